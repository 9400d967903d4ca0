from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("反馈与预警")

    def ready(self):
        from portal.registry import Layer, registry
        from reports import alerts, demo, urls
        from reports.models import AlertKind

        registry.register_urls(urls.public_urls)
        registry.register_place_action(urls.report_action)
        registry.register_layer(
            Layer(
                "alerts",
                _("路况预警"),
                features=alerts.alert_features,
                models=("reports.Alert",),
                colour="#b91c1c",
                order=95,
                near=False,
                kinds={f"alert-{code}": label for code, label in AlertKind.choices},
                glyph="!",
                changes_at=alerts.next_change,
            )
        )
        registry.register_related("alerts", alerts.alerts_for)
        registry.register_dependents("reports.Alert", alerts.pages_showing)
        registry.register_demo("reports", demo.load, order=60)

        from django.db.models.signals import post_delete, post_save

        from reports.models import Alert

        post_save.connect(alerts.forget_cached, sender=Alert, dispatch_uid="reports-alerts-cache-save")
        post_delete.connect(alerts.forget_cached, sender=Alert, dispatch_uid="reports-alerts-cache-delete")

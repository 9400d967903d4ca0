"""Service stations from a spreadsheet: one importer for the admin upload and `manage.py import_stations`.

The county commerce bureaus keep the e-commerce network (3 county centres, 42 township and 316
village stations) in Excel. Editors save it as CSV and import it; the importer answers row by row
(Excel's row numbers, header = row 1) so they can fix the sheet and import again:

- good rows are saved, bad rows are reported and skipped (never a half-saved row);
- a re-import updates stations instead of duplicating them: a row matches by its `code` when the
  sheet has one, else by county + name;
- the bytes may be UTF-8 (with or without BOM) or GBK/GB18030, which Excel in China writes; each
  line is decoded on its own, so one line pasted in another encoding spoils only its own row.

Why in batches: a sheet of the whole province's network has thousands of rows, and a query, a
savepoint and a cache invalidation per row made 10,000 rows take over a minute and a half in one
request. The existing stations are read once, each row is checked in memory (the two unique keys
included), the writes go out with bulk_create/bulk_update in chunks, the search index is fed per
chunk, and the page cache hears about the import once, through portal.cache, after it commits.
A chunk the database still refuses (a station added meanwhile in the admin) is saved row by row,
so only the clashing rows are reported as skipped.
"""

from __future__ import annotations

import csv
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from wagtail.models import Locale
from wagtail.search.backends import get_search_backends

from portal import cache as page_cache
from portal.geo import point
from products.models import County, ServiceStation, StationLevel

CREATED, UPDATED, UNCHANGED, SKIPPED = "created", "updated", "unchanged", "skipped"
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
CHUNK = 500  # rows per bulk_create / bulk_update statement

# Xining municipality with a margin: points outside are typing errors (or lat/lon swapped).
XINING_BOUNDS = {"min_lon": 100.5, "max_lon": 102.5, "min_lat": 35.9, "max_lat": 37.8}

COLUMNS = {
    "code": ("code", "编码", "编号", "站点编码", "站点编号"),
    "level": ("level", "级别", "站点级别", "类型"),
    "name": ("name", "名称", "站点名称", "服务站名称"),
    "county": ("county", "县区", "县（区）", "县(区)", "所属县区", "区县"),
    "township": ("township", "乡镇", "乡镇（街道）", "乡镇(街道)", "所属乡镇"),
    "village": ("village", "村", "村（社区）", "村(社区)", "行政村"),
    "address": ("address", "地址", "详细地址"),
    "latitude": ("latitude", "lat", "纬度"),
    "longitude": ("longitude", "lon", "lng", "经度"),
    "contact_person": ("contact_person", "contact", "联系人", "负责人"),
    "phone": ("phone", "电话", "联系电话"),
    "opening_hours": ("opening_hours", "hours", "营业时间"),
    "goods": ("goods", "经营品类", "服务内容"),
}
REQUIRED = ("name", "level", "county")
TEXT_FIELDS = ("township", "village", "address", "contact_person", "phone", "opening_hours", "goods")
WRITTEN_FIELDS = ("code", "level", "name", "county", "location", "location_checked", *TEXT_FIELDS)

LEVEL_ALIASES = {
    StationLevel.COUNTY: ("county", "县级", "县级服务中心", "县级电商服务中心", "服务中心"),
    StationLevel.TOWNSHIP: ("township", "乡镇", "乡镇服务站", "乡镇站", "乡镇中心站点", "乡镇服务中心"),
    StationLevel.VILLAGE: ("village", "村级", "村级服务站", "村级站", "村站", "村服务站"),
}
COUNTY_ALIASES = {
    County.CHENGDONG: ("城东",),
    County.CHENGZHONG: ("城中",),
    County.CHENGXI: ("城西",),
    County.CHENGBEI: ("城北",),
    County.HUANGZHONG: ("湟中", "湟中县"),  # a county until 2019; older sheets still say 县
    County.DATONG: ("大通", "大通回族土族自治县"),
    County.HUANGYUAN: ("湟源",),
}


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().lower().replace(" ", "")


def _lookup(choices, aliases) -> dict[str, str]:
    table = {}
    for value, label in choices:
        for name in (value, str(label), *aliases.get(value, ())):
            table[_key(name)] = value
    return table


LEVELS = _lookup(StationLevel.choices, LEVEL_ALIASES)
COUNTIES = _lookup(County.choices, COUNTY_ALIASES)
HEADERS = {_key(alias): column for column, aliases in COLUMNS.items() for alias in aliases}


@dataclass
class RowResult:
    row: int
    status: str
    message: str = ""
    name: str = ""


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    error: str = ""
    encoding: str = ""
    dry_run: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(r.status for r in self.rows)
        return {status: counted.get(status, 0) for status in (CREATED, UPDATED, UNCHANGED, SKIPPED)}

    @property
    def ok(self) -> bool:
        return not self.error

    def add(self, row: int, status: str, message: str = "", name: str = "") -> None:
        self.rows.append(RowResult(row, status, message, name))

    def summary(self) -> str:
        if self.error:
            return self.error
        c = self.counts
        text = _("新建 %(created)d，更新 %(updated)d，无变化 %(unchanged)d，跳过 %(skipped)d。") % c
        if self.dry_run:
            text += " " + _("（预览：没有保存任何内容）")
        return text


class FileError(Exception):
    """The file as a whole cannot be read (wrong format, too large, no header)."""


def _decode_lines(raw: bytes) -> tuple[list[str], set[int], str]:
    """Decode line by line; return (lines, indexes of undecodable lines, encoding description)."""
    if raw.startswith(b"PK\x03\x04"):
        raise FileError(_("这是 Excel 工作簿（.xlsx），不是 CSV。请在 Excel 中选择“另存为 → CSV UTF-8”或“CSV（逗号分隔）”。"))
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16").splitlines(keepends=True), set(), "UTF-16"
        except UnicodeDecodeError:
            raise FileError(_("文件看起来是 UTF-16 编码，但无法读取。请另存为 CSV UTF-8。")) from None
    if b"\x00" in raw:
        raise FileError(_("文件中含有空字节，不是文本 CSV 文件。请在 Excel 中另存为 CSV UTF-8 或 CSV（逗号分隔）。"))
    bom = raw.startswith(b"\xef\xbb\xbf")
    if bom:
        raw = raw[3:]
    lines, bad, used = [], set(), set()
    for i, chunk in enumerate(raw.splitlines(keepends=True)):
        for encoding in ("utf-8", "gb18030"):
            try:
                lines.append(chunk.decode(encoding))
                if any(b > 0x7F for b in chunk):
                    used.add(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            lines.append(chunk.decode("utf-8", errors="replace"))
            bad.add(i)
    if used == {"gb18030"}:
        description = "GBK/GB18030"
    elif len(used) > 1:
        description = _("混合编码 mixed UTF-8 and GBK")
    else:
        description = "UTF-8 (BOM)" if bom else "UTF-8"
    return lines, bad, description


def _parse_coordinate(raw: str, name: str) -> float:
    text = unicodedata.normalize("NFKC", raw).strip().rstrip("°").strip()
    try:
        value = float(text)
    except ValueError:
        raise ValueError(_("%(name)s“%(value)s”不是数字（请用十进制度，例如 36.6224）。") % {"name": name, "value": raw}) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(_("%(name)s必须是有限的数字。") % {"name": name})
    return value


def _location(lat_raw: str, lon_raw: str):
    """A GeoJSON point from the two cells, None when both are empty; ValueError when wrong."""
    if not lat_raw and not lon_raw:
        return None
    if not lat_raw or not lon_raw:
        raise ValueError(_("纬度和经度要么都填，要么都不填。"))
    lat = _parse_coordinate(lat_raw, _("纬度"))
    lon = _parse_coordinate(lon_raw, _("经度"))
    b = XINING_BOUNDS
    if not (b["min_lat"] <= lat <= b["max_lat"] and b["min_lon"] <= lon <= b["max_lon"]):
        hint = ""
        if b["min_lat"] <= lon <= b["max_lat"] and b["min_lon"] <= lat <= b["max_lon"]:
            hint = _("看起来纬度和经度填反了。")
        raise ValueError(_("坐标 %(lat)s, %(lon)s 不在西宁市范围内（纬度 35.9–37.8，经度 100.5–102.5；WGS-84 十进制度）。") % {"lat": lat, "lon": lon} + hint)
    return point(round(lon, 6), round(lat, 6))


def _errors_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        parts = []
        for field_name, errors in exc.error_dict.items():
            label = ServiceStation._meta.get_field(field_name).verbose_name if field_name != "__all__" else ""
            for error in errors:
                parts.append(f"{label}: {' '.join(error.messages)}" if label else " ".join(error.messages))
        return "; ".join(parts)
    return "; ".join(exc.messages)


def read_source(source, max_bytes: int) -> bytes:
    """Bytes from bytes, a path, or a file-like object, refusing more than max_bytes."""
    if isinstance(source, bytes):
        raw = source
    elif isinstance(source, str):
        with open(source, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    else:
        if hasattr(source, "seek"):
            source.seek(0)
        raw = source.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise FileError(_("文件超过 %(kb)d KB。请把表格拆开（例如按县区）分别导入。") % {"kb": max_bytes // 1024})
    return raw


def import_stations(source, *, dry_run: bool = False, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportReport:
    """Import service stations from CSV bytes/path/file; return the row-by-row report."""
    report = ImportReport(dry_run=dry_run)
    try:
        raw = read_source(source, max_bytes)
        lines, bad_lines, report.encoding = _decode_lines(raw)
    except FileError as exc:
        report.error = str(exc)
        return report
    except OSError as exc:
        report.error = _("无法读取文件：%(error)s") % {"error": exc}
        return report
    if not any(line.strip() for line in lines):
        report.error = _("文件是空的。")
        return report
    if 0 in bad_lines:
        report.error = _("表头行既不是 UTF-8 也不是 GBK 编码。请另存为“CSV UTF-8”后重试。")
        return report

    header_line = lines[0]
    delimiter = "\t" if header_line.count("\t") > header_line.count(",") else ","
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        report.error = _("无法读取表头行：%(error)s") % {"error": exc}
        return report
    columns = [HEADERS.get(_key(cell)) for cell in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        report.error = _("缺少必填列：%(missing)s。第一行必须是列名（见 README），例如 %(example)s。") % {
            "missing": ", ".join(missing),
            "example": "name,level,county,township,village,latitude,longitude",
        }
        return report

    seen: dict[tuple, int] = {}
    with transaction.atomic():
        stations = _Stations()
        row_number = 1
        previous_line = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                row_number += 1
                report.add(row_number, SKIPPED, _("这一行无法按 CSV 读取：%(error)s") % {"error": exc})
                previous_line = reader.line_num
                continue
            row_number += 1
            spans = range(previous_line, reader.line_num)
            previous_line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # Excel leaves blank rows at the end of sheets
            if any(i in bad_lines for i in spans):
                report.add(row_number, SKIPPED, _("编码错误：这一行既不是 UTF-8 也不是 GBK 文字。请重新输入这一行，或把表格另存为 CSV UTF-8。"))
                continue
            _import_row(report, row_number, cells, columns, seen, stations)
        if dry_run:
            transaction.set_rollback(True)
        else:
            stations.write()
    return report


class _Stations:
    """The default-language stations, read once and looked up in memory by either natural key, and
    the rows' changes waiting to be written in chunks."""

    def __init__(self):
        # The spreadsheet is the Chinese list: English copies (translations) are edited in the admin.
        self.locale = Locale.get_default()
        self.by_code: dict[str, ServiceStation] = {}
        self.by_name: dict[tuple, ServiceStation] = {}
        for station in ServiceStation.objects.filter(locale=self.locale):
            self._index(station)
        self.pending: list[tuple[RowResult, ServiceStation, bool]] = []
        self.staged: set[int] = set()  # id() of the stations in pending: two rows may change one

    def _index(self, station) -> None:
        if station.code:
            self.by_code[station.code] = station
        self.by_name[(station.county, station.name)] = station

    def find(self, code, county, name):
        """(station matched by code, station matched by county + name)."""
        return (self.by_code.get(code) if code else None), self.by_name.get((county, name))

    def clash(self, station, before: dict) -> str:
        """The unique keys as the database checks them, in memory: the message, or ""."""
        other = self.by_code.get(station.code) if station.code else None
        if other is not None and other is not station:
            return _("编码 %(code)s 已属于服务站“%(name)s”。") % {"code": station.code, "name": other.name}
        other = self.by_name.get((station.county, station.name))
        if other is not None and other is not station:
            return _("%(county)s已有名为“%(name)s”的服务站。") % {"county": other.get_county_display(), "name": station.name}
        return ""

    def stage(self, result: RowResult, station, created: bool, before: dict) -> None:
        """Keep the change for the next write; later rows already see it."""
        if not created:
            if before["code"] and self.by_code.get(before["code"]) is station:
                del self.by_code[before["code"]]
            if self.by_name.get((before["county"], before["name"])) is station:
                del self.by_name[(before["county"], before["name"])]
        self._index(station)
        if id(station) not in self.staged:
            self.staged.add(id(station))
            self.pending.append((result, station, created))

    def write(self) -> None:
        """Save the staged rows in chunks, index them for search, and tell the page cache once."""
        saved = []
        for start in range(0, len(self.pending), CHUNK):
            chunk = self.pending[start : start + CHUNK]
            new = [station for _result, station, created in chunk if created]
            changed = [station for _result, station, created in chunk if not created]
            try:
                with transaction.atomic():
                    ServiceStation.objects.bulk_create(new)
                    ServiceStation.objects.bulk_update(changed, WRITTEN_FIELDS)
            except IntegrityError:
                saved.extend(self._write_one_by_one(chunk))
            else:
                saved.extend(new + changed)
        if not saved:
            return
        for backend in get_search_backends(with_auto_update=True):
            for start in range(0, len(saved), CHUNK):
                backend.add_bulk(ServiceStation, saved[start : start + CHUNK])
        page_cache.objects_changed(saved)

    def _write_one_by_one(self, chunk) -> list:
        saved = []
        for result, station, created in chunk:
            if created:
                station.pk = None
            try:
                with transaction.atomic():
                    station.save()
            except IntegrityError as exc:
                result.status, result.message = SKIPPED, _("无法保存：%(error)s") % {"error": exc}
            else:
                saved.append(station)
        return saved


def _import_row(report: ImportReport, row_number: int, cells: list[str], columns: list, seen: dict, stations: _Stations) -> None:
    extra = [c for c in cells[len(columns) :] if c.strip()]
    values = {}
    for column, cell in zip(columns, cells):
        if column:
            values[column] = cell.strip()
    name = values.get("name", "")
    if extra:
        report.add(row_number, SKIPPED, _("单元格比列多：某个值里可能有英文逗号，请给它加上引号。"), name)
        return
    if not name:
        report.add(row_number, SKIPPED, _("缺少名称（name）。"))
        return
    level = LEVELS.get(_key(values.get("level", "")))
    if not level:
        report.add(
            row_number,
            SKIPPED,
            _("未知的级别“%(value)s”，请填写 县级服务中心、乡镇服务站 或 村级服务站。") % {"value": values.get("level", "")},
            name,
        )
        return
    county = COUNTIES.get(_key(values.get("county", "")))
    if not county:
        report.add(
            row_number,
            SKIPPED,
            _("未知的县区“%(value)s”，请填写 %(choices)s 之一。")
            % {"value": values.get("county", ""), "choices": "、".join(str(label) for _v, label in County.choices)},
            name,
        )
        return
    has_coordinates = "latitude" in values or "longitude" in values
    try:
        location = _location(values.get("latitude", ""), values.get("longitude", ""))
    except ValueError as exc:
        report.add(row_number, SKIPPED, str(exc), name)
        return
    code = unicodedata.normalize("NFKC", values.get("code", "")).strip() or None

    key = ("code", code) if code else ("name", county, name)
    if key in seen:
        report.add(row_number, SKIPPED, _("与第 %(row)d 行是同一个服务站，本行已跳过。") % {"row": seen[key]}, name)
        return
    seen[key] = row_number

    station, by_name = stations.find(code, county, name)
    if station is None:
        station = by_name
        if station is not None and code and station.code and station.code != code:
            report.add(
                row_number,
                SKIPPED,
                _("%(county)s已有名为“%(name)s”的服务站（编码 %(code)s），编码不一致。")
                % {"county": station.get_county_display(), "name": name, "code": station.code},
                name,
            )
            return
    created = station is None
    if created:
        station = ServiceStation(locale=stations.locale)
    before = {f: getattr(station, f) for f in ("code", "level", "name", "county", "location", *TEXT_FIELDS)}
    checked = station.location_checked

    station.level, station.name, station.county = level, name, county
    if code or "code" in values:
        station.code = code or station.code
    for column in TEXT_FIELDS:
        if column in values:
            setattr(station, column, values[column])
    if has_coordinates:
        if location != station.location:
            station.location_checked = False  # a moved point needs checking again
        station.location = location

    # Blank codes are NULL so that any number of stations can go without one (as ServiceStation.save).
    station.code = (station.code or "").strip() or None
    try:
        # The unique keys are checked against the stations in memory (stations.clash) and the
        # locale is the one read at the start, rather than by three queries a row.
        station.full_clean(exclude=["locale", "translation_key"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        _restore(station, {**before, "location_checked": checked}, created)
        report.add(row_number, SKIPPED, _errors_text(exc), name)
        return
    after = {f: getattr(station, f) for f in before}
    if not created and after == before:
        report.add(row_number, UNCHANGED, "", name)
        return
    clash = stations.clash(station, before)
    if clash:
        _restore(station, {**before, "location_checked": checked}, created)
        report.add(row_number, SKIPPED, clash, name)
        return
    if created:
        message = "" if location else _("没有坐标：已保存，但不会显示在地图上。")
        report.add(row_number, CREATED, message, name)
    else:
        changed = [str(ServiceStation._meta.get_field(f).verbose_name) for f in before if before[f] != after[f]]
        report.add(row_number, UPDATED, _("已修改：%(fields)s") % {"fields": "、".join(changed)}, name)
    stations.stage(report.rows[-1], station, created, before)


def _restore(station, before: dict, created: bool) -> None:
    """Undo a skipped row's changes on a station that later rows may still match."""
    if not created:
        for name, value in before.items():
            setattr(station, name, value)

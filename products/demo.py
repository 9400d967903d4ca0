"""Demo content for the 河湟田源 section (called by `manage.py load_demo`; safe to run twice).

Places, the brand and the companies named in the source article come from ../shared/seed/. Other
producers, certificate and licence numbers are invented for the demo and say so ("示例"). Points
marked "est." in the seed are estimates, so every location here is left "not checked" for editors.
The service stations are loaded through the CSV importer from fixtures/stations_sample.csv, so the
demo exercises the same code path as an editor's upload.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from wagtail.models import Locale
from wagtail.rich_text import RichText
from wagtail.search.backends import get_search_backends

from portal import cache as page_cache
from portal.demo import demo_image, home_collection, translate_page
from portal.geo import point
from products.importers import import_stations
from products.models import (
    Category,
    CertificationKind,
    County,
    Producer,
    ProducerKind,
    ProductCertification,
    ProductGalleryImage,
    ProductIndexPage,
    ProductOrigin,
    ProductPage,
    ProductShopLink,
    ProductStation,
    ServiceStation,
    StationLevel,
    VillageProduct,
)

SAMPLE_CSV = Path(__file__).resolve().parent / "fixtures" / "stations_sample.csv"
ALL_YEAR = list(range(1, 13))
PALETTES = {
    Category.FRUIT_VEG: "farm",
    Category.GRAIN_OIL: "autumn",
    Category.LIVESTOCK: "plateau",
    Category.HERBS: "flowers",
    Category.FUNGI: "farm",
    Category.PROCESSED: "autumn",
    Category.CRAFTS: "temple",
}

PRODUCERS = [
    {
        "name": "青海小莓科技有限公司",
        "kind": ProducerKind.ENTERPRISE,
        "county": County.CHENGBEI,
        "township": "大堡子镇",
        "location": point(101.76, 36.66),
        "description": "城北区引进的企业，建设以优质无土草莓为主，集休闲观光、鲜果采摘、线上线下销售和草莓副产品加工于一体的城北区现代农业产业园。",
    },
    {
        "name": "湟中区西纳川青稞种植专业合作社（示例）",
        "kind": ProducerKind.COOPERATIVE,
        "county": County.HUANGZHONG,
        "township": "拦隆口镇",
        "location": point(101.45, 36.70),
        "description": "西纳川河谷的青稞种植合作社，统一良种、统一收购，磨制青稞面粉和炒面。",
    },
    {
        "name": "湟中鲁沙尔青稞酒坊（示例）",
        "kind": ProducerKind.ENTERPRISE,
        "county": County.HUANGZHONG,
        "township": "鲁沙尔镇",
        "location": point(101.567, 36.495),
        "description": "以本地青稞为原料、沿用传统固态发酵工艺的小酒坊。",
    },
    {
        "name": "大通县朔北中藏药材种植合作社（示例）",
        "kind": ProducerKind.COOPERATIVE,
        "county": County.DATONG,
        "township": "朔北藏族乡",
        "location": point(101.80, 36.95),
        "description": "在朔北藏族乡的山坡地种植当归、黄芪等中藏药材，参加了西宁市绿色有机中藏药材产销对接会。",
    },
    {
        "name": "湟源县日月牦牛养殖专业合作社（示例）",
        "kind": ProducerKind.COOPERATIVE,
        "county": County.HUANGYUAN,
        "township": "日月藏族乡",
        "location": point(101.17, 36.50),
        "description": "日月山下牧区的牦牛养殖合作社，夏季高山放牧、冬季舍饲。",
    },
    {
        "name": "湟源县大华镇药材家庭农场（示例）",
        "kind": ProducerKind.FAMILY_FARM,
        "county": County.HUANGYUAN,
        "township": "大华镇",
        "location": point(101.32, 36.74),
        "description": "种植黄芪的家庭农场，秋季采挖、晾晒后分级出售。",
    },
    {
        "name": "湟中多巴冷凉蔬菜专业合作社（示例）",
        "kind": ProducerKind.COOPERATIVE,
        "county": County.HUANGZHONG,
        "township": "多巴镇",
        "location": point(101.50, 36.66),
        "description": "海拔两千多米的河谷地种植娃娃菜、西兰花、芹菜等高原冷凉蔬菜，夏秋供应西宁及省外市场。",
    },
    {
        "name": "大通县长宁镇食用菌家庭农场（示例）",
        "kind": ProducerKind.FAMILY_FARM,
        "county": County.DATONG,
        "township": "长宁镇",
        "location": point(101.693, 36.799),
        "description": "日光温室种植香菇、平菇，并试种羊肚菌。",
    },
    {
        "name": "大通县黄家寨镇菜籽油坊（示例）",
        "kind": ProducerKind.ENTERPRISE,
        "county": County.DATONG,
        "township": "黄家寨镇",
        "location": point(101.62, 36.87),
        "description": "收购本地小油菜籽，物理压榨、自然沉淀。",
    },
    {
        "name": "青海江河淀粉有限公司",
        "kind": ProducerKind.ENTERPRISE,
        "county": County.CHENGDONG,
        "township": "韵家口镇",
        "location": point(101.85, 36.585),
        "description": "马铃薯淀粉加工企业，与韵家口镇泮子山村委达成 8 个岗位近 60 人的用工协议。",
    },
    {
        "name": "湟源丹噶尔排灯手工艺坊（示例）",
        "kind": ProducerKind.ENTERPRISE,
        "county": County.HUANGYUAN,
        "township": "城关镇",
        "location": point(101.2635, 36.6876),
        "description": "在丹噶尔古城制作湟源排灯（国家级非物质文化遗产，2006 年）的手工艺坊。",
    },
    {
        "name": "湟中鲁沙尔民族手工艺合作社（示例）",
        "kind": ProducerKind.COOPERATIVE,
        "county": County.HUANGZHONG,
        "township": "鲁沙尔镇",
        "location": point(101.571, 36.492),
        "description": "塔尔寺脚下的手工艺人合作社，制作堆绣和银铜器。",
    },
]


def _origin(village, county, lon, lat, township=""):
    return {"village": village, "township": township, "county": county, "location": point(lon, lat)}


PRODUCTS = [
    {
        "slug": "soilless-strawberries",
        "title": "城北无土栽培草莓",
        "summary": "城北区现代农业产业园的无土栽培草莓，冬春上市，可以预约采摘。",
        "category": Category.FRUIT_VEG,
        "producer": "青海小莓科技有限公司",
        "brand": "示例-HHTY-2021-001",
        "origins": [_origin("陶家寨村", County.CHENGBEI, 101.76, 36.66, "大堡子镇")],
        "certs": [(CertificationKind.GREEN, "示例-LB-18-2101-0001")],
        "months": [12, 1, 2, 3, 4, 5],
        "spec": "500克/盒；2千克/箱",
        "price": Decimal("38"),
        "unit": "元/500克",
        "storage": "0–4 ℃ 冷藏，两三天内吃完；不要先洗再放。",
        "usage": "流水冲洗后直接吃；也可以做果酱、草莓奶昔。",
        "shops": [("河湟田源示例网店", "https://example.com/hehuang-tianyuan/strawberry")],
        "stations": ["CB-T01", "CB-V01", "HZ-C01"],
        "featured": True,
        "story": "城北区引进青海小莓科技有限公司，把草莓种在基质槽里：不用土，病虫害少，冬天在温室里也能结果。",
    },
    {
        "slug": "ximachuan-barley-flour",
        "title": "西纳川青稞面粉",
        "summary": "湟中区西纳川河谷的青稞，石磨磨成全麦面粉。",
        "category": Category.GRAIN_OIL,
        "producer": "湟中区西纳川青稞种植专业合作社（示例）",
        "brand": "示例-HHTY-2021-002",
        "origins": [_origin("卡阳村", County.HUANGZHONG, 101.42, 36.66, "拦隆口镇"), _origin("上五庄村", County.HUANGZHONG, 101.37, 36.76, "上五庄镇")],
        "certs": [(CertificationKind.GREEN, "示例-LB-05-2102-0002")],
        "months": ALL_YEAR,
        "spec": "1千克/袋；2.5千克/袋",
        "price": Decimal("16"),
        "unit": "元/千克",
        "storage": "阴凉干燥处密封保存，开袋后尽快吃完。",
        "usage": "和面粉按一比一混合做馒头、面条；单用可以做青稞饼。",
        "shops": [("河湟田源示例网店", "https://example.com/hehuang-tianyuan/barley-flour")],
        "stations": ["HZ-T02", "HZ-V01", "HZ-C01"],
        "featured": True,
        "story": "青稞耐寒耐旱，是高原上的主粮。西纳川的合作社统一良种、统一收购，再石磨成粉。",
    },
    {
        "slug": "tsampa",
        "title": "青稞炒面（糌粑）",
        "summary": "炒熟磨细的青稞面，拌上酥油和奶茶就是糌粑。",
        "category": Category.PROCESSED,
        "producer": "湟中区西纳川青稞种植专业合作社（示例）",
        "origins": [_origin("上五庄村", County.HUANGZHONG, 101.37, 36.76, "上五庄镇")],
        "certs": [],
        "months": ALL_YEAR,
        "spec": "500克/袋",
        "price": Decimal("15"),
        "unit": "元/500克",
        "storage": "密封防潮，常温保存 6 个月。",
        "usage": "碗里放炒面、酥油、曲拉和少许糖，倒入热奶茶，用手捏成团即可。",
        "stations": ["HZ-T03"],
    },
    {
        "slug": "barley-liquor",
        "title": "鲁沙尔青稞酒",
        "summary": "本地青稞固态发酵的清香型白酒。",
        "category": Category.PROCESSED,
        "producer": "湟中鲁沙尔青稞酒坊（示例）",
        "brand": "示例-HHTY-2021-003",
        "origins": [_origin("鲁沙尔镇", County.HUANGZHONG, 101.567, 36.495, "鲁沙尔镇")],
        "certs": [],
        "months": ALL_YEAR,
        "spec": "500毫升/瓶，42%vol",
        "price": Decimal("88"),
        "unit": "元/瓶",
        "storage": "常温避光，瓶口朝上存放。",
        "usage": "适量饮用；未成年人、孕妇不宜饮酒，酒后不开车。",
        "stations": ["HZ-T04", "HZ-C01"],
    },
    {
        "slug": "datong-angelica",
        "title": "大通当归",
        "summary": "朔北藏族乡山坡地种植的当归，秋季采挖。",
        "category": Category.HERBS,
        "producer": "大通县朔北中藏药材种植合作社（示例）",
        "brand": "示例-HHTY-2021-004",
        "origins": [_origin("窎沟村", County.DATONG, 101.84, 36.98, "朔北藏族乡")],
        "certs": [(CertificationKind.ORGANIC, "示例-OP-2101-0004")],
        "months": [9, 10, 11],
        "spec": "250克/袋，统货或片",
        "price": Decimal("60"),
        "unit": "元/250克",
        "storage": "通风干燥处保存，防潮防蛀。",
        "usage": "常用于炖汤；作为药用请遵医嘱。",
        "stations": ["DT-T01", "DT-V01", "DT-C01"],
        "featured": True,
        "story": "西宁市供销联社举办绿色有机中藏药材产销对接会，20 家收购企业与种植合作社达成 1.4 万吨收购意向。",
    },
    {
        "slug": "huangyuan-astragalus",
        "title": "湟源黄芪",
        "summary": "湟源县大华镇家庭农场种植的黄芪，晾晒后切片。",
        "category": Category.HERBS,
        "producer": "湟源县大华镇药材家庭农场（示例）",
        "origins": [_origin("大华镇", County.HUANGYUAN, 101.32, 36.74, "大华镇"), _origin("宗家沟村", County.HUANGYUAN, 101.16, 36.60)],
        "certs": [(CertificationKind.POLLUTION_FREE, "示例-WNP-2101-0005")],
        "months": [9, 10, 11, 12],
        "spec": "250克/袋，切片",
        "price": Decimal("45"),
        "unit": "元/250克",
        "storage": "密封、阴凉干燥处保存。",
        "usage": "泡水、炖汤；作为药用请遵医嘱。",
        "stations": ["HY-T02", "HY-V01"],
    },
    {
        "slug": "riyue-yak-beef",
        "title": "日月山牦牛肉",
        "summary": "日月山下高山牧场放养的牦牛，秋季出栏，冷鲜或风干。",
        "category": Category.LIVESTOCK,
        "producer": "湟源县日月牦牛养殖专业合作社（示例）",
        "brand": "示例-HHTY-2021-005",
        "origins": [_origin("日月藏族乡", County.HUANGYUAN, 101.12, 36.47, "日月藏族乡")],
        "certs": [(CertificationKind.POLLUTION_FREE, "示例-WNP-2101-0006")],
        "months": [9, 10, 11, 12, 1],
        "spec": "冷鲜 1千克/袋；风干 250克/袋",
        "price": Decimal("120"),
        "unit": "元/千克",
        "storage": "冷鲜肉 0–4 ℃ 冷藏 3 天或冷冻；风干肉常温密封。",
        "usage": "手抓、炖萝卜、涮锅都合适；风干肉撕条直接吃。",
        "shops": [("河湟田源示例网店", "https://example.com/hehuang-tianyuan/yak")],
        "stations": ["HY-T01", "HY-C01"],
        "featured": True,
        "story": "牦牛夏天在海拔三千米以上的草场放牧，冬天回到山下舍饲，肉色深、脂肪少。",
    },
    {
        "slug": "yak-yoghurt",
        "title": "牦牛酸奶",
        "summary": "牦牛奶自然发酵，上面一层厚厚的奶皮。",
        "category": Category.LIVESTOCK,
        "producer": "湟源县日月牦牛养殖专业合作社（示例）",
        "origins": [_origin("日月藏族乡", County.HUANGYUAN, 101.15, 36.49, "日月藏族乡")],
        "certs": [],
        "months": [6, 7, 8, 9],
        "spec": "500克/碗",
        "price": Decimal("20"),
        "unit": "元/碗",
        "storage": "冷藏，三天内吃完。",
        "usage": "撒白糖直接吃，也可以配糌粑。",
        "stations": ["HY-T01"],
    },
    {
        "slug": "cool-climate-vegetables",
        "title": "多巴高原冷凉蔬菜",
        "summary": "河谷地的娃娃菜、西兰花和芹菜，昼夜温差大，脆嫩清甜。",
        "category": Category.FRUIT_VEG,
        "producer": "湟中多巴冷凉蔬菜专业合作社（示例）",
        "brand": "示例-HHTY-2021-006",
        "origins": [_origin("多巴镇", County.HUANGZHONG, 101.50, 36.66, "多巴镇")],
        "certs": [(CertificationKind.GREEN, "示例-LB-15-2103-0007"), (CertificationKind.POLLUTION_FREE, "示例-WNP-2101-0008")],
        "months": [6, 7, 8, 9, 10],
        "spec": "5千克/箱（混装）",
        "price": Decimal("45"),
        "unit": "元/箱",
        "storage": "0–4 ℃ 冷藏，一周内吃完。",
        "usage": "清炒、凉拌、涮锅。",
        "stations": ["HZ-T01", "HZ-C01"],
        "featured": True,
    },
    {
        "slug": "potatoes",
        "title": "河湟马铃薯",
        "summary": "湟中、大通山旱地的马铃薯，淀粉足、口感面。",
        "category": Category.FRUIT_VEG,
        "producer": "大通县黄家寨镇菜籽油坊（示例）",
        "brand": "示例-HHTY-2021-007",
        "origins": [_origin("黄家寨镇", County.DATONG, 101.62, 36.87, "黄家寨镇"), _origin("上五庄镇", County.HUANGZHONG, 101.38, 36.75, "上五庄镇")],
        "certs": [],
        "months": [8, 9, 10, 11, 12, 1, 2, 3],
        "spec": "5千克/袋；10千克/箱",
        "price": Decimal("3"),
        "unit": "元/500克",
        "storage": "阴凉避光，不要和苹果放在一起；发芽变绿的不要吃。",
        "usage": "炕洋芋、洋芋搅团、酸辣土豆丝。",
        "stations": ["DT-T03", "HZ-T03"],
    },
    {
        "slug": "potato-vermicelli",
        "title": "马铃薯粉条",
        "summary": "马铃薯淀粉做的粉条，久煮不烂。",
        "category": Category.PROCESSED,
        "producer": "青海江河淀粉有限公司",
        "origins": [_origin("泮子山村", County.CHENGDONG, 101.87, 36.56, "韵家口镇")],
        "certs": [],
        "months": ALL_YEAR,
        "spec": "400克/袋",
        "price": Decimal("12"),
        "unit": "元/袋",
        "storage": "常温干燥保存 18 个月。",
        "usage": "温水泡软后炖菜、凉拌或下火锅。",
        "stations": ["CD-T01", "CD-V01"],
    },
    {
        "slug": "shiitake",
        "title": "长宁温室香菇",
        "summary": "日光温室里的段木香菇，一年四季都有。",
        "category": Category.FUNGI,
        "producer": "大通县长宁镇食用菌家庭农场（示例）",
        "brand": "示例-HHTY-2021-008",
        "origins": [_origin("长宁镇", County.DATONG, 101.693, 36.799, "长宁镇")],
        "certs": [(CertificationKind.GREEN, "示例-LB-18-2104-0009")],
        "months": ALL_YEAR,
        "spec": "鲜菇 1千克/盒；干菇 250克/袋",
        "price": Decimal("30"),
        "unit": "元/千克（鲜）",
        "storage": "鲜菇冷藏 5 天；干菇密封防潮。",
        "usage": "炖鸡、炒青菜、做菌汤。",
        "stations": ["DT-T02", "DT-C01"],
    },
    {
        "slug": "morels",
        "title": "大通羊肚菌",
        "summary": "春季出菇的羊肚菌，鲜品少、多晒成干品。",
        "category": Category.FUNGI,
        "producer": "大通县长宁镇食用菌家庭农场（示例）",
        "origins": [_origin("长宁镇", County.DATONG, 101.70, 36.81, "长宁镇")],
        "certs": [],
        "months": [3, 4, 5],
        "spec": "干品 50克/盒",
        "price": Decimal("98"),
        "unit": "元/50克",
        "storage": "干品密封冷藏，防潮。",
        "usage": "温水泡发 30 分钟，泡菇水沉淀后可一起炖汤。",
        "stations": ["DT-T02"],
    },
    {
        "slug": "rapeseed-oil",
        "title": "黄家寨小榨菜籽油",
        "summary": "本地小油菜籽物理压榨、自然沉淀，菜籽香浓。",
        "category": Category.GRAIN_OIL,
        "producer": "大通县黄家寨镇菜籽油坊（示例）",
        "brand": "示例-HHTY-2021-009",
        "origins": [_origin("黄家寨镇", County.DATONG, 101.62, 36.87, "黄家寨镇")],
        "certs": [(CertificationKind.GREEN, "示例-LB-12-2105-0010")],
        "months": ALL_YEAR,
        "spec": "5升/桶；2.5升/桶",
        "price": Decimal("95"),
        "unit": "元/5升",
        "storage": "避光、密封、远离灶台保存。",
        "usage": "炒菜、炸油饼、泼辣子。",
        "stations": ["DT-T03", "DT-C01"],
    },
    {
        "slug": "huangyuan-lanterns",
        "title": "湟源排灯",
        "summary": "丹噶尔古城的木框彩绘排灯，国家级非物质文化遗产（2006 年）。",
        "category": Category.CRAFTS,
        "producer": "湟源丹噶尔排灯手工艺坊（示例）",
        "origins": [_origin("丹噶尔古城", County.HUANGYUAN, 101.2635, 36.6876, "城关镇")],
        "certs": [],
        "months": ALL_YEAR,
        "spec": "小号桌灯 30×20 厘米；大号挂灯 80×40 厘米",
        "price": Decimal("260"),
        "unit": "元/盏（小号）",
        "storage": "防潮防晒，绢面用软毛刷除尘。",
        "usage": "元宵节、腊八在古城里挂排灯；小号可以做桌灯、礼物。",
        "stations": ["HY-C01"],
        "featured": True,
        "story": "元宵节和腊八，丹噶尔古城的街上挂满排灯，灯面画着历史故事和花鸟。",
    },
    {
        "slug": "kumbum-appliques",
        "title": "湟中堆绣与银铜器",
        "summary": "塔尔寺“艺术三绝”之一的堆绣，和鲁沙尔的手工银铜器。",
        "category": Category.CRAFTS,
        "producer": "湟中鲁沙尔民族手工艺合作社（示例）",
        "origins": [_origin("鲁沙尔镇", County.HUANGZHONG, 101.571, 36.492, "鲁沙尔镇")],
        "certs": [],
        "months": ALL_YEAR,
        "spec": "堆绣 40×60 厘米；银碗、铜壶多种规格",
        "price": Decimal("480"),
        "unit": "元起",
        "storage": "堆绣防潮避光平放；银器用软布擦拭，密封防氧化。",
        "usage": "装饰、收藏、馈赠。",
        "stations": ["HZ-T04", "HZ-C01"],
    },
]

VILLAGES = [
    (
        "窎沟村",
        "朔北藏族乡",
        County.DATONG,
        "中藏药材、民俗刺绣",
        point(101.84, 36.98),
        "datong-angelica",
        "朔北乡窎沟民俗文化线路上的村子，山坡地种当归等药材。",
    ),
    ("边麻沟村", "朔北藏族乡", County.DATONG, "花海观光、土特产", point(101.86, 37.00), None, "800 亩花海，6 月到 10 月中旬开放，离西宁 51 公里。"),
    ("卡阳村", "拦隆口镇", County.HUANGZHONG, "青稞", point(101.42, 36.66), "ximachuan-barley-flour", "乡趣卡阳所在的村子，西纳川的青稞产区。"),
    ("陶家寨村", "大堡子镇", County.CHENGBEI, "草莓", point(101.73, 36.68), "soilless-strawberries", "城北区现代农业产业园附近，冬春草莓采摘。"),
    ("泮子山村", "韵家口镇", County.CHENGDONG, "马铃薯", point(101.87, 36.56), "potato-vermicelli", "与青海江河淀粉有限公司达成用工协议的村子。"),
    ("宗家沟村", "", County.HUANGYUAN, "中藏药材", point(101.16, 36.60), "huangyuan-astragalus", "湟源县历史文化线路上的宗家沟，山地种植黄芪。"),
]


def load(ctx):
    index = ProductIndexPage.objects.first()
    if index is None:
        index = ctx.home.add_child(
            instance=ProductIndexPage(
                title="河湟田源",
                slug="products",
                show_in_menus=True,
                intro="<p>“青藏谷地·河湟田源”是西宁市农产品区域公用品牌：青稞、牦牛、草莓、食用菌、高原冷凉蔬菜、马铃薯、菜籽油和中藏药材。按类别、产地和季节找好物，看看在哪里买。</p>",
                village_intro="西宁市开展“一村一品”示范村镇建设：一个村子培育一样拿得出手的特色产品。",
                search_description="河湟田源：西宁市农产品区域公用品牌的产品、生产者、产地地图和农村电商服务站。",
            )
        )
        index.save_revision().publish()
        ctx.log("Created ProductIndexPage /products/")

    report = import_stations(str(SAMPLE_CSV))
    if report.error:
        raise RuntimeError(f"stations_sample.csv: {report.error}")
    counts = report.counts
    ctx.log(f"Service stations from the sample CSV: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged")

    producers = {}
    for data in PRODUCERS:
        producer = Producer.objects.filter(name=data["name"], locale=Locale.get_default()).first()
        if producer is None:
            producer = Producer(**data)
            producer.logo = demo_image(
                f"{data['name']} 标志", "logo", caption=data["name"], alt=f"{data['name']}的标志（示意图）", alt_en="Producer's emblem (illustration)"
            )
            producer.save()
        producers[producer.name] = producer

    stations = {s.code: s for s in ServiceStation.objects.filter(locale=Locale.get_default()).exclude(code=None)}
    created = 0
    for data in PRODUCTS:
        if ProductPage.objects.filter(slug=data["slug"], locale=Locale.get_default()).exists():
            continue
        _create_product(index, data, producers, stations)
        created += 1
    if created:
        ctx.log(f"Created {created} product pages")

    for village, township, county, products, location, slug, description in VILLAGES:
        if VillageProduct.objects.filter(county=county, village=village).exists():
            continue
        VillageProduct.objects.create(
            village=village,
            township=township,
            county=county,
            products=products,
            location=location,
            description=description,
            product_page=ProductPage.objects.filter(slug=slug, locale=Locale.get_default()).first() if slug else None,
        )
    return index


# What each product's demo pictures draw (portal.illustrations motifs): the product itself, then
# where it comes from for the second gallery picture; and its English name for the alt text.
PICTURES = {
    "soilless-strawberries": ("strawberry", "fields", "Chengbei soilless strawberries"),
    "ximachuan-barley-flour": ("flour", "barley", "Xinachuan highland barley flour"),
    "tsampa": ("tsampa", "barley", "Roasted barley flour (tsampa)"),
    "barley-liquor": ("liquor", "barley", "Lushar barley liquor"),
    "datong-angelica": ("herbs", "village", "Datong angelica root"),
    "huangyuan-astragalus": ("herbs", "mountain", "Huangyuan astragalus root"),
    "riyue-yak-beef": ("beef", "yak", "Riyue Mountain yak beef"),
    "yak-yoghurt": ("yoghurt", "yak", "Yak yoghurt"),
    "cool-climate-vegetables": ("vegetables", "fields", "Duoba cool-climate vegetables"),
    "potatoes": ("potato", "fields", "Hehuang potatoes"),
    "potato-vermicelli": ("vermicelli", "potato", "Potato vermicelli"),
    "shiitake": ("mushroom", "village", "Changning greenhouse shiitake"),
    "morels": ("morel", "forest", "Datong morels"),
    "rapeseed-oil": ("oil", "flowers", "Huangjiazhai cold-pressed rapeseed oil"),
    "huangyuan-lanterns": ("lantern", "old_town", "Huangyuan painted lanterns"),
    "kumbum-appliques": ("embroidery", "monastery", "Huangzhong appliqué embroidery and silverware"),
}


def _create_product(index, data, producers, stations):
    palette = PALETTES[data["category"]]
    motif, origin_motif, english = PICTURES.get(data["slug"], (palette, palette, ""))
    image = demo_image(f"{data['title']}（示意图）", motif, caption=data["title"], caption_en=english)
    gallery = [
        demo_image(f"{data['title']} 图集 1（示意图）", motif, caption=data["title"], caption_en=english),
        demo_image(
            f"{data['title']} 图集 2（示意图）",
            origin_motif,
            caption=f"{data['title']} · 产地",
            alt=f"示意图：{data['title']}的产地风光",
            alt_en=f"Illustration: the place of origin of {english}" if english else "",
        ),
    ]
    page = ProductPage(
        title=data["title"],
        slug=data["slug"],
        summary=data["summary"],
        search_description=data["summary"],
        category=data["category"],
        image=image,
        brand_authorised=bool(data.get("brand")),
        brand_licence_number=data.get("brand", ""),
        producer=producers.get(data["producer"]),
        season_months=data["months"],
        specifications=data["spec"],
        reference_price=data["price"],
        price_unit=data["unit"],
        storage=data["storage"],
        usage=data["usage"],
        featured=data.get("featured", False),
        origins=[ProductOrigin(**o) for o in data["origins"]],
        certifications=[ProductCertification(kind=kind, number=number) for kind, number in data["certs"]],
        shop_links=[ProductShopLink(name=name, url=url) for name, url in data.get("shops", [])],
        gallery_images=[
            ProductGalleryImage(image=img, caption=caption) for img, caption in zip(gallery, (f"{data['title']}（示意图）", f"{data['title']}的产地（示意图）"))
        ],
        station_links=[ProductStation(station=stations[code]) for code in data.get("stations", []) if code in stations],
    )
    story = [("paragraph", RichText(f"<p>{data['story']}</p>"))] if data.get("story") else []
    story.append(("paragraph", RichText("<p>（示例内容：生产者、证书编号和授权编号为演示而编写，产地坐标为估计值。）</p>")))
    page.story = story
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


# ------------------------------------------------------------------------------------------------
# English copies (/en/products/...): producers, service stations and 一村一品 villages are snippets
# translated with Wagtail's TranslatableMixin.copy_for_translation, products with Page's. Proper
# names keep their Chinese beside the English, so visitors can match them to signs and labels.

PLACES_EN = {
    "大堡子镇": "Dabaozi Town",
    "拦隆口镇": "Lanlongkou Town",
    "鲁沙尔镇": "Lushar Town",
    "朔北藏族乡": "Shuobei Tibetan Township",
    "日月藏族乡": "Riyue Tibetan Township",
    "大华镇": "Dahua Town",
    "多巴镇": "Duoba Town",
    "长宁镇": "Changning Town",
    "黄家寨镇": "Huangjiazhai Town",
    "韵家口镇": "Yunjiakou Town",
    "城关镇": "Chengguan Town",
    "桥头镇": "Qiaotou Town",
    "上五庄镇": "Shangwuzhuang Town",
    "景阳镇": "Jingyang Town",
    "和平乡": "Heping Township",
    "总寨镇": "Zongzhai Town",
    "彭家寨镇": "Pengjiazhai Town",
    "陶家寨村": "Taojiazhai Village",
    "卡阳村": "Kayang Village",
    "上五庄村": "Shangwuzhuang Village",
    "窎沟村": "Diaogou Village",
    "边麻沟村": "Bianmagou Village",
    "宗家沟村": "Zongjiagou Village",
    "泮子山村": "Panzishan Village",
    "丹噶尔古城": "Dan'gaer Old Town",
}

PRODUCERS_EN = {
    "青海小莓科技有限公司": (
        "Qinghai Xiaomei Technology Co. 青海小莓科技有限公司",
        "A company brought to Chengbei District to build its modern agricultural park: soilless strawberries first, with sightseeing, pick-your-own, online and offline sales and strawberry products.",
    ),
    "湟中区西纳川青稞种植专业合作社（示例）": (
        "Xinachuan Highland Barley Growers' Cooperative 西纳川青稞种植专业合作社 (demo)",
        "A barley cooperative in the Xinachuan valley: shared seed, shared purchasing, stone-ground barley flour and roasted barley flour.",
    ),
    "湟中鲁沙尔青稞酒坊（示例）": (
        "Lushar Barley Liquor Distillery 鲁沙尔青稞酒坊 (demo)",
        "A small distillery making liquor from local highland barley by traditional solid-state fermentation.",
    ),
    "大通县朔北中藏药材种植合作社（示例）": (
        "Shuobei Chinese and Tibetan Herb Growers' Cooperative 朔北中藏药材种植合作社 (demo)",
        "Grows angelica, astragalus and other Chinese and Tibetan medicinal herbs on the hillsides of Shuobei Tibetan Township; took part in Xining's green and organic herb trade fair.",
    ),
    "湟源县日月牦牛养殖专业合作社（示例）": (
        "Riyue Yak Herders' Cooperative 日月牦牛养殖专业合作社 (demo)",
        "A yak herders' cooperative in the pastures below Riyue Mountain: high summer grazing, winter in the barns.",
    ),
    "湟源县大华镇药材家庭农场（示例）": (
        "Dahua Herb Family Farm 大华镇药材家庭农场 (demo)",
        "A family farm growing astragalus, dug in autumn, dried and sold by grade.",
    ),
    "湟中多巴冷凉蔬菜专业合作社（示例）": (
        "Duoba Cool-Climate Vegetable Cooperative 多巴冷凉蔬菜专业合作社 (demo)",
        "Grows baby cabbage, broccoli and celery in valley fields above 2,000 m, supplying Xining and other provinces in summer and autumn.",
    ),
    "大通县长宁镇食用菌家庭农场（示例）": (
        "Changning Mushroom Family Farm 长宁镇食用菌家庭农场 (demo)",
        "Grows shiitake and oyster mushrooms in solar greenhouses, and is trying morels.",
    ),
    "大通县黄家寨镇菜籽油坊（示例）": (
        "Huangjiazhai Rapeseed Oil Mill 黄家寨镇菜籽油坊 (demo)",
        "Buys local small-seeded rapeseed, presses it mechanically and lets the oil settle naturally.",
    ),
    "青海江河淀粉有限公司": (
        "Qinghai Jianghe Starch Co. 青海江河淀粉有限公司",
        "A potato-starch processor that agreed eight kinds of jobs for nearly 60 people with Panzishan village in Yunjiakou Town.",
    ),
    "湟源丹噶尔排灯手工艺坊（示例）": (
        "Dan'gaer Lantern Workshop 丹噶尔排灯手工艺坊 (demo)",
        "A workshop in Dan'gaer Old Town making Huangyuan lanterns (national intangible cultural heritage, 2006).",
    ),
    "湟中鲁沙尔民族手工艺合作社（示例）": (
        "Lushar Ethnic Crafts Cooperative 鲁沙尔民族手工艺合作社 (demo)",
        "A cooperative of craftspeople below Kumbum Monastery making appliqué embroidery and silver and copper ware.",
    ),
}

COUNTIES_EN = {
    County.CHENGDONG: "Chengdong",
    County.CHENGZHONG: "Chengzhong",
    County.CHENGXI: "Chengxi",
    County.CHENGBEI: "Chengbei",
    County.HUANGZHONG: "Huangzhong",
    County.DATONG: "Datong",
    County.HUANGYUAN: "Huangyuan",
}
GOODS_EN = {
    "河湟田源产品展销": "Hehuang Tianyuan product showroom",
    "网店代运营": "online shop management",
    "物流分拨": "logistics hub",
    "电商培训": "e-commerce training",
    "农产品收购": "buys farm produce",
    "冷凉蔬菜代销": "cool-climate vegetables sold on commission",
    "快递收发": "parcel sending and collection",
    "青稞收购": "buys highland barley",
    "农资": "farm supplies",
    "牦牛肉": "yak meat",
    "青稞": "highland barley",
    "堆绣": "appliqué embroidery",
    "银铜器": "silver and copper ware",
    "青稞酒代销": "barley liquor sold on commission",
    "中藏药材收购": "buys Chinese and Tibetan herbs",
    "民俗手工艺代销": "folk crafts sold on commission",
    "食用菌": "mushrooms",
    "蔬菜代销": "vegetables sold on commission",
    "菜籽油": "rapeseed oil",
    "马铃薯": "potatoes",
    "代缴费": "bill payments",
    "牦牛酸奶": "yak yoghurt",
    "中藏药材": "Chinese and Tibetan herbs",
    "草莓": "strawberries",
    "马铃薯制品": "potato products",
    "蔬菜": "vegetables",
    "民俗刺绣": "folk embroidery",
    "代收快递": "parcel collection",
    "花海门票代售": "flower-field tickets",
    "土特产": "local specialities",
    "青稞制品": "barley products",
    "草莓采摘预约": "strawberry-picking bookings",
}

VILLAGES_EN = {
    "窎沟村": (
        "Chinese and Tibetan herbs, folk embroidery",
        "A village on the Diaogou folk culture route in Shuobei; angelica and other herbs grow on its hillsides.",
    ),
    "边麻沟村": ("Flower fields, local specialities", "800 mu (about 53 hectares) of flower fields, open June to mid-October, 51 km from Xining."),
    "卡阳村": ("Highland barley", "The village of the Kayang rural park, in Xinachuan's barley-growing country."),
    "陶家寨村": ("Strawberries", "Near Chengbei's modern agricultural park: strawberry picking in winter and spring."),
    "泮子山村": ("Potatoes", "The village that agreed jobs for its people with Qinghai Jianghe Starch Co."),
    "宗家沟村": ("Chinese and Tibetan herbs", "Zongjiagou, on the Huangyuan history and heritage route, grows astragalus in the hills."),
}

PRODUCTS_EN = {
    "soilless-strawberries": {
        "title": "Chengbei Soilless Strawberries 城北无土栽培草莓",
        "summary": "Soilless strawberries from Chengbei's modern agricultural park, in season in winter and spring; picking by appointment.",
        "spec": "500 g box; 2 kg case",
        "unit": "/500 g",
        "storage": "Keep at 0–4 °C and eat within two or three days; do not wash before storing.",
        "usage": "Rinse under running water and eat; or make jam or strawberry milkshakes.",
        "story": "Chengbei District brought in Qinghai Xiaomei Technology, which grows strawberries in troughs of substrate: no soil, fewer pests, and fruit even in the winter greenhouse.",
    },
    "ximachuan-barley-flour": {
        "title": "Xinachuan Highland Barley Flour 西纳川青稞面粉",
        "summary": "Highland barley from the Xinachuan valley in Huangzhong, stone-ground into wholemeal flour.",
        "spec": "1 kg bag; 2.5 kg bag",
        "unit": "/kg",
        "storage": "Keep sealed in a cool, dry place; use soon after opening.",
        "usage": "Mix half and half with wheat flour for steamed buns and noodles; on its own it makes barley flatbread.",
        "story": "Highland barley stands cold and drought: it is the staple grain of the plateau. The Xinachuan cooperative shares seed and purchasing, then stone-grinds the grain into flour.",
    },
    "tsampa": {
        "title": "Roasted Barley Flour (Tsampa) 青稞炒面（糌粑）",
        "summary": "Roasted, finely ground barley: mix it with butter and milk tea and you have tsampa.",
        "spec": "500 g bag",
        "unit": "/500 g",
        "storage": "Keep sealed and dry; six months at room temperature.",
        "usage": "Put the flour, butter, qula curd and a little sugar in a bowl, pour in hot milk tea and knead into balls by hand.",
    },
    "barley-liquor": {
        "title": "Lushar Highland Barley Liquor 鲁沙尔青稞酒",
        "summary": "A light-aroma spirit made from local highland barley by solid-state fermentation.",
        "spec": "500 ml bottle, 42% vol",
        "unit": "/bottle",
        "storage": "Room temperature, out of the light, bottle upright.",
        "usage": "Drink in moderation; not for minors or during pregnancy, and never drink and drive.",
    },
    "datong-angelica": {
        "title": "Datong Angelica Root 大通当归",
        "summary": "Angelica grown on the hillsides of Shuobei Tibetan Township and dug in autumn.",
        "spec": "250 g bag, whole or sliced",
        "unit": "/250 g",
        "storage": "Keep in a dry, airy place, away from damp and insects.",
        "usage": "Mostly used in soups; for medicinal use follow a doctor's advice.",
        "story": "Xining's supply and marketing cooperative held a green and organic herb trade fair: 20 buyers and the growers' cooperatives agreed purchases of 14,000 tonnes.",
    },
    "huangyuan-astragalus": {
        "title": "Huangyuan Astragalus Root 湟源黄芪",
        "summary": "Astragalus from a family farm in Dahua Town, Huangyuan, dried and sliced.",
        "spec": "250 g bag, sliced",
        "unit": "/250 g",
        "storage": "Keep sealed in a cool, dry place.",
        "usage": "Steep in hot water or add to soups; for medicinal use follow a doctor's advice.",
    },
    "riyue-yak-beef": {
        "title": "Riyue Mountain Yak Beef 日月山牦牛肉",
        "summary": "Yak raised on the high pastures below Riyue Mountain, sold in autumn, chilled or air-dried.",
        "spec": "Chilled 1 kg bag; air-dried 250 g bag",
        "unit": "/kg",
        "storage": "Chilled meat: 0–4 °C for three days, or freeze; air-dried meat: sealed at room temperature.",
        "usage": "Good boiled and eaten by hand, stewed with radish or in hotpot; tear air-dried meat into strips and eat as it is.",
        "story": "The yaks graze pastures above 3,000 m in summer and come down to the barns in winter: the meat is dark and lean.",
    },
    "yak-yoghurt": {
        "title": "Yak Yoghurt 牦牛酸奶",
        "summary": "Naturally fermented yak milk under a thick layer of cream.",
        "spec": "500 g bowl",
        "unit": "/bowl",
        "storage": "Keep chilled and eat within three days.",
        "usage": "Sprinkle with sugar and eat as it is, or with tsampa.",
    },
    "cool-climate-vegetables": {
        "title": "Duoba Cool-Climate Plateau Vegetables 多巴高原冷凉蔬菜",
        "summary": "Baby cabbage, broccoli and celery from the valley fields: warm days and cold nights make them crisp and sweet.",
        "spec": "5 kg mixed box",
        "unit": "/box",
        "storage": "Keep at 0–4 °C and eat within a week.",
        "usage": "Stir-fried, in salads or in hotpot.",
    },
    "potatoes": {
        "title": "Hehuang Potatoes 河湟马铃薯",
        "summary": "Potatoes from the dry hill fields of Huangzhong and Datong: starchy and floury.",
        "spec": "5 kg bag; 10 kg box",
        "unit": "/500 g",
        "storage": "Keep cool and dark, away from apples; do not eat potatoes that have sprouted or turned green.",
        "usage": "Baked potatoes, potato jiaotuan mash, hot-and-sour shredded potato.",
    },
    "potato-vermicelli": {
        "title": "Potato Vermicelli 马铃薯粉条",
        "summary": "Vermicelli made from potato starch that keeps its bite however long it cooks.",
        "spec": "400 g bag",
        "unit": "/bag",
        "storage": "Keeps 18 months at room temperature, dry.",
        "usage": "Soften in warm water, then stew, dress as a salad or add to hotpot.",
    },
    "shiitake": {
        "title": "Changning Greenhouse Shiitake 长宁温室香菇",
        "summary": "Log-grown shiitake from solar greenhouses, all year round.",
        "spec": "Fresh 1 kg box; dried 250 g bag",
        "unit": "/kg (fresh)",
        "storage": "Fresh: five days in the fridge; dried: sealed and dry.",
        "usage": "Stewed with chicken, stir-fried with greens, or in mushroom soup.",
    },
    "morels": {
        "title": "Datong Morels 大通羊肚菌",
        "summary": "Spring morels: few are sold fresh, most are dried.",
        "spec": "Dried, 50 g box",
        "unit": "/50 g",
        "storage": "Dried: sealed, in the fridge, away from damp.",
        "usage": "Soak in warm water for 30 minutes; let the soaking water settle and add it to the soup too.",
    },
    "rapeseed-oil": {
        "title": "Huangjiazhai Pressed Rapeseed Oil 黄家寨小榨菜籽油",
        "summary": "Local small-seeded rapeseed, mechanically pressed and naturally settled, with a strong nutty aroma.",
        "spec": "5 L can; 2.5 L can",
        "unit": "/5 L",
        "storage": "Keep sealed, out of the light and away from the stove.",
        "usage": "Stir-frying, deep-fried youbing bread, pouring hot over chilli flakes.",
    },
    "huangyuan-lanterns": {
        "title": "Huangyuan Lanterns 湟源排灯",
        "summary": "Painted wooden-frame lanterns from Dan'gaer Old Town, national intangible cultural heritage (2006).",
        "spec": "Small table lantern 30 × 20 cm; large hanging lantern 80 × 40 cm",
        "unit": "/lantern (small)",
        "storage": "Keep away from damp and sun; dust the silk with a soft brush.",
        "usage": "Hung in the old town at the Lantern Festival and Laba; the small ones make table lamps and gifts.",
        "story": "At the Lantern Festival and Laba the streets of Dan'gaer Old Town are hung with lanterns painted with stories from history, flowers and birds.",
    },
    "kumbum-appliques": {
        "title": "Huangzhong Appliqué Embroidery and Silverware 湟中堆绣与银铜器",
        "summary": "Appliqué embroidery, one of the “three arts” of Kumbum Monastery 塔尔寺, and Lushar's handmade silver and copper ware.",
        "spec": "Appliqué 40 × 60 cm; silver bowls and copper pots in several sizes",
        "unit": "and up",
        "storage": "Keep appliqué flat, dry and out of the light; wipe silver with a soft cloth and keep it sealed against tarnish.",
        "usage": "Decoration, collecting, gifts.",
    },
}
DEMO_NOTE_EN = "(Demo content: the producers, certificate numbers and licence numbers are written for the demo, and the origins' coordinates are estimates.)"


def _english_place(value: str) -> str:
    return PLACES_EN.get(value, value)


def _station_name_en(station) -> str:
    place = _english_place(station.village or station.township) if station.level != "county-centre" else COUNTIES_EN[station.county]
    level = {
        "county-centre": "Rural E-commerce Service Centre",
        "township-station": "E-commerce Service Station",
        "village-station": "E-commerce Service Station",
    }[station.level]
    return f"{place} {level} {station.name}"


def _goods_en(goods: str) -> str:
    return ", ".join(GOODS_EN.get(item, item) for item in goods.split("、") if item)


def _translate_snippet(obj, locale, **fields):
    """The snippet's copy in `locale` (TranslatableMixin.copy_for_translation), made once."""
    existing = obj.get_translation_or_none(locale)
    if existing is not None:
        return existing
    copy = obj.copy_for_translation(locale)
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save()
    return copy


def load_english(ctx):
    """English producers, stations, villages and products (after /en/products/ exists)."""

    locale, default = ctx.locale, Locale.get_default()
    editor = ctx.users.get("editor")
    producers = {}
    for producer in Producer.objects.filter(locale=default):
        name, description = PRODUCERS_EN.get(producer.name, (None, None))
        if name is None:
            continue
        producers[producer.pk] = _translate_snippet(
            producer, locale, name=name, description=description, township=_english_place(producer.township), village=_english_place(producer.village)
        )
    stations = {}
    for station in ServiceStation.objects.filter(locale=default):
        stations[station.pk] = _translate_snippet(
            station,
            locale,
            name=_station_name_en(station),
            township=_english_place(station.township),
            village=_english_place(station.village),
            goods=_goods_en(station.goods),
            opening_hours=station.opening_hours.replace("-", "–"),
        )
    made = 0
    for data in PRODUCTS:
        english = PRODUCTS_EN[data["slug"]]
        source = ProductPage.objects.filter(slug=data["slug"], locale=default).first()
        if source is None:
            continue

        def fill(page, english=english):
            if page.producer_id in producers:
                page.producer = producers[page.producer_id]
            origins = list(page.origins.all())
            for origin in origins:
                origin.village, origin.township = _english_place(origin.village), _english_place(origin.township)
            page.origins = origins
            links = list(page.station_links.all())
            for link in links:
                link.station = stations.get(link.station_id, link.station)
            page.station_links = links
            gallery = list(page.gallery_images.all())
            for item in gallery:
                item.caption = f"{english['title']} (illustration)"
            page.gallery_images = gallery
            certifications = list(page.certifications.all())
            for certification in certifications:
                certification.number = certification.number.replace("示例", "DEMO")
            page.certifications = certifications
            shops = list(page.shop_links.all())
            for shop in shops:
                shop.name = "Hehuang Tianyuan demo shop"
            page.shop_links = shops
            story = [("paragraph", RichText(f"<p>{english['story']}</p>"))] if english.get("story") else []
            story.append(("paragraph", RichText(f"<p>{DEMO_NOTE_EN}</p>")))
            page.story = story

        page, created = translate_page(
            source,
            locale,
            user=editor,
            fill=fill,
            title=english["title"],
            summary=english["summary"],
            search_description=english["summary"],
            specifications=english["spec"],
            brand_licence_number=source.brand_licence_number.replace("示例", "DEMO"),
            price_unit=english["unit"],
            storage=english["storage"],
            usage=english["usage"],
        )
        made += created
    if made:
        ctx.log(f"Created {made} English product pages")
    for village in VillageProduct.objects.filter(locale=default).select_related("product_page"):
        products, description = VILLAGES_EN.get(village.village, (village.products, village.description))
        product_page = village.product_page.get_translation_or_none(locale) if village.product_page else None
        _translate_snippet(
            village,
            locale,
            village=_english_place(village.village),
            township=_english_place(village.township),
            products=products,
            description=description,
            product_page=product_page,
        )


# The section page in English (by the Chinese page's slug), for portal's load_demo.
SECTION_EN = {
    "title": "Hehuang Tianyuan",
    "intro": "“Qinghai-Tibet valleys · Hehuang Tianyuan” is Xining's regional farm-produce brand: highland barley, yak, strawberries, mushrooms, cool-climate vegetables, potatoes, rapeseed oil and Chinese and Tibetan herbs. Find products by category, origin and season, and see where to buy them.",
    "village_intro": "Xining's “one village, one product” programme: each village develops one speciality it can be proud of.",
    "search_description": "Hehuang Tianyuan, Xining's regional farm-produce brand: products, producers, a map of origins and the rural e-commerce service stations.",
}


def home_blocks(sections, english):
    heading = "Hehuang Tianyuan produce" if english else "河湟田源好物"
    return [home_collection(40, heading, "featured_products", sections.get("products"))]


# --- manage.py load_scale --products N --stations N ----------------------------------------------

SCALE_PRODUCTS = {
    Category.GRAIN_OIL: ("青稞", "菜籽油", "燕麦"),
    Category.LIVESTOCK: ("牦牛肉", "藏羊肉", "牦牛酸奶"),
    Category.FRUIT_VEG: ("草莓", "马铃薯", "冷凉蔬菜"),
    Category.HERBS: ("当归", "黄芪", "枸杞"),
    Category.FUNGI: ("羊肚菌", "平菇"),
    Category.PROCESSED: ("青稞酒", "酩馏酒", "沙棘汁"),
    Category.CRAFTS: ("湟中堆绣", "农民画"),
}


def load_scale_products(target: int, ctx) -> int:
    """Products up to `target` under the Chinese products section, each grown in one or two villages."""
    index = ProductIndexPage.objects.filter(locale=ctx.home.locale).first()
    if index is None:
        return 0
    have = ProductPage.objects.child_of(index).count()
    for n in range(have, target):
        category = ctx.rng.choice(list(SCALE_PRODUCTS))
        name = ctx.rng.choice(SCALE_PRODUCTS[category])
        origins = []
        for _ in range(ctx.rng.randint(1, 2)):
            county, lon, lat = ctx.place()
            origins.append(ProductOrigin(village=ctx.village(), county=county, location=point(lon, lat)))
        start = ctx.rng.randint(1, 12)
        page = ProductPage(
            title=f"{origins[0].village}{name}（{n + 1}号）",
            slug=f"scale-product-{n + 1}",
            summary=f"{origins[0].village}出产的{name}，河湟田源品牌产品。",
            category=category,
            season_months=sorted({(start + k - 1) % 12 + 1 for k in range(ctx.rng.randint(3, 12))}),
            reference_price=Decimal(ctx.rng.randint(10, 300)),
            price_unit="元/500克",
            origins=origins,
        )
        index.add_child(instance=page)
    return max(0, target - have)


def load_scale_stations(target: int, ctx) -> int:
    """E-commerce service stations up to `target`: mostly village stations, some township, few county."""
    have = ServiceStation.objects.filter(locale=ctx.home.locale).count()
    stations = []
    for n in range(have, target):
        county, lon, lat = ctx.place()
        level = ctx.rng.choices([StationLevel.VILLAGE, StationLevel.TOWNSHIP, StationLevel.COUNTY], weights=[316, 42, 3])[0]
        village = ctx.village()
        stations.append(
            ServiceStation(
                locale=ctx.home.locale,
                level=level,
                name=f"{village}电商服务站（{n + 1}号）",
                county=county,
                village=village if level == StationLevel.VILLAGE else "",
                location=point(lon, lat),
                phone=f"0971-{ctx.rng.randint(1000000, 9999999)}",
                goods="代收代发快递、农产品上行",
            )
        )
    # in bulk, as the spreadsheet import writes them: then indexed for search and purged the same way
    ServiceStation.objects.bulk_create(stations, batch_size=500)
    for backend in get_search_backends(with_auto_update=True):
        backend.add_bulk(ServiceStation, stations)
    page_cache.objects_changed(stations)
    return len(stations)

"""Domain defaults a township starts with and then edits (see shared DOMAIN.md §4, §6).

Loaded by services/township.py into the database; nothing here is read at run time.
"""

from __future__ import annotations

# (code, name, duties)
STATIONS: tuple[tuple[str, str, str], ...] = (
    (
        "zongzhi",
        "综治中心",
        "统一受理、分流转办；跨部门矛盾纠纷；信访苗头；特殊人群；超期督办",
    ),
    ("sifa", "司法所", "人民调解指导与疑难纠纷；法律援助；社区矫正；安置帮教"),
    ("paichusuo", "派出所", "治安；电诈；家暴；交通事故纠纷；重点人员"),
    ("xinfang", "信访办", "信访事项；集访苗头"),
    ("yingji", "应急管理办", "安全隐患；消防；小作坊安全生产；自然灾害"),
    ("shuili", "水利站", "堤防、涵闸、渍涝电排；灌溉用水纠纷；抗旱"),
    (
        "nongye",
        "农业综合服务中心",
        "病虫害；动物疫病；秸秆；土地承包与流转纠纷；惠农补贴",
    ),
    ("ziranziyuan", "自然资源所", "宅基地界址；乱占耕地；违建"),
    (
        "minzheng",
        "民政办",
        "低保、特困、临时救助；残疾人补贴；留守、独居老人；儿童关爱",
    ),
    ("weijian", "卫健办", "家庭医生签约；严重精神障碍随访；老年人健康"),
    ("renshe", "人社服务站", "欠薪；社保；就业"),
    ("huanbao", "生态环境站", "污染；河湖四乱；垃圾"),
    ("tuiyijunren", "退役军人服务站", "退役军人和优抚对象"),
    ("dangzheng", "党政综合办", "意见建议；未明确归属事项；12345 回复"),
)

# (code, name, category, sensitive, station_code, visit interval days)
TAGS: tuple[tuple[str, str, str, bool, str, int | None], ...] = (
    ("alone_elderly", "独居老人", "vulnerable", False, "minzheng", 7),
    ("left_behind_child", "留守儿童", "vulnerable", True, "minzheng", 7),
    ("left_behind_elderly", "留守老人", "vulnerable", False, "minzheng", 14),
    ("disabled", "残疾人", "welfare", True, "minzheng", 14),
    ("dibao", "低保户", "welfare", True, "minzheng", 30),
    ("tekun", "特困供养", "welfare", True, "minzheng", 14),
    ("monitored", "脱贫监测户", "welfare", True, "minzheng", 30),
    ("serious_illness", "重病大病", "welfare", True, "weijian", 14),
    ("over_80", "高龄老人", "welfare", False, "weijian", 30),
    ("veteran", "退役军人", "role", False, "tuiyijunren", None),
    ("party_household", "党员户", "role", False, "", None),
    ("volunteer", "志愿者", "role", False, "", None),
    ("dilapidated_house", "危房户", "safety", False, "yingji", 30),
    ("flood_relocation", "汛期转移户", "safety", False, "shuili", None),
    ("mental_disorder", "严重精神障碍患者", "special", True, "weijian", 14),
    ("community_correction", "社区矫正对象", "special", True, "sifa", 30),
    ("released_prisoner", "刑满释放人员", "special", True, "sifa", 30),
    ("key_petitioner", "重点信访人员", "special", True, "xinfang", 30),
)

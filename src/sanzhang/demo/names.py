"""Word lists for synthetic people and places (common Hunan surnames and given names)."""

SURNAMES = (
    "王李张刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
    "贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
    "雷钱汤尹黎易常武乔贺赖龚文"
)
# Surnames weighted towards the commonest, as in a real roster.
COMMON_SURNAMES = "王李张刘陈杨黄周吴彭谭唐邓曾易"
MALE_CHARS = (
    "建国军华明伟强志勇文斌平海林春生福德成全兴安振宏永胜清光荣辉新正东和贵才松"
)
FEMALE_CHARS = "秀英芳兰华玉桂珍梅凤红琴霞燕丽娟萍莲春菊美云慧静敏小"
VILLAGES = (
    "安全村",
    "复兴村",
    "向阳村",
    "新河村",
    "永兴村",
    "荷花村",
    "长岭村",
    "双湖村",
    "团山村",
    "同心社区",
    "安康社区",
)
AREA_WORDS = ("东片", "西片", "南片", "北片", "中片", "河堤片", "湖边片")
ROADS = (
    "安全大道",
    "复兴路",
    "向阳路",
    "河堤路",
    "湖滨路",
    "长岭路",
    "荷花路",
    "团结路",
    "民主路",
    "幸福路",
)
CHINESE_NUMERALS = "一二三四五六七八九十"


def numeral(n: int) -> str:
    """1 -> 一, 12 -> 十二, 25 -> 二十五 (enough for group and area numbering)."""
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CHINESE_NUMERALS[tens - 1]
    return head + "十" + (CHINESE_NUMERALS[ones - 1] if ones else "")

"""Chinese addresses: the province and city at the head of a one-line address.

A marketplace's order export often gives the whole address in one column
(收货地址 "浙江省 杭州市 西湖区 文三路 1 号", or without spaces), with no
province or city columns. Reading the region off its head lets such an order
pass the address check of order review instead of waiting in the exception
queue as incomplete.
"""

from __future__ import annotations

import re

# Province-level divisions, by the short name an address starts with.
PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
    "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港",
    "澳门",
)  # fmt: skip
MUNICIPALITIES = frozenset({"北京", "天津", "上海", "重庆"})
# What may follow the short name; the longest first.
PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")
# A prefecture-level city, prefecture, autonomous prefecture or league (盟).
CITY = re.compile(r"\s*(\S{1,12}?(?:自治州|地区|市|盟))")


def split_region(address: str) -> tuple[str, str] | None:
    """(province, city) from the head of `address`, or None where it does not start with them.

    "浙江省 杭州市 西湖区…" and "浙江省杭州市西湖区…" give ("浙江省", "杭州市");
    "上海 上海市 浦东新区…" gives ("上海", "上海市"); a municipality written
    without its city ("北京市朝阳区…") gives ("北京市", "北京市").
    """
    text = address.strip()
    short = next((name for name in PROVINCES if text.startswith(name)), None)
    if short is None:
        return None
    rest = text[len(short) :]
    suffix = next((suffix for suffix in PROVINCE_SUFFIXES if rest.startswith(suffix)), "")
    province, rest = short + suffix, rest[len(suffix) :]
    if short in MUNICIPALITIES:
        # Districts follow at once: the city is the municipality itself.
        return province, f"{short}市"
    city = CITY.match(rest)
    return (province, city.group(1)) if city is not None else None

"""The province and city read off the head of a one-line Chinese address."""

import pytest

from orders.addresses import split_region


@pytest.mark.parametrize(
    ("address", "region"),
    [
        ("浙江省 杭州市 西湖区文三路 1 号", ("浙江省", "杭州市")),
        ("浙江省杭州市西湖区文三路1号", ("浙江省", "杭州市")),
        ("上海 上海市 浦东新区 2 号", ("上海", "上海市")),
        ("北京市朝阳区建国路1号", ("北京市", "北京市")),
        ("广西壮族自治区南宁市青秀区", ("广西壮族自治区", "南宁市")),
        ("内蒙古自治区 呼和浩特市 新城区", ("内蒙古自治区", "呼和浩特市")),
        ("湖北省恩施土家族苗族自治州恩施市", ("湖北省", "恩施土家族苗族自治州")),
        ("新疆维吾尔自治区阿克苏地区阿克苏市", ("新疆维吾尔自治区", "阿克苏地区")),
    ],
)
def test_the_region_is_read_off_the_head_of_the_address(address, region):
    assert split_region(address) == region


@pytest.mark.parametrize("address", ["文三路 1 号", "浙江省", "", "Zhejiang Hangzhou"])
def test_an_address_that_does_not_start_with_a_region_gives_none(address):
    assert split_region(address) is None

# ruff: noqa: E501  (hand-written Chinese text: CJK characters count double)
"""The replies of the corpus, written by hand: who answers which of our letters, from which client, saying what.

Label values were worked out by the author (see ``mailbox/samples/README.md`` for the relative-date rules).
Weekdays used below: 2026-11-23 Mon, 11-24 Tue, 11-25 Wed, 11-26 Thu, 11-27 Fri, 11-28 Sat, 11-29 Sun,
11-30 Mon; 2026-12-04 Fri, 12-07 Mon, 12-11 Fri.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.replies.corpus_builder import (
    SHANGHAI,
    Debtor,
    Letter,
    Reply,
    aliyun_bounce,
    bounce_label,
    coremail_bounce,
    exchange_ndr,
    exmail_bounce,
    postfix_dsn,
)

D = datetime.fromisoformat


def d(s: str) -> Any:
    return D(s).date()


def sent(s: str) -> datetime:
    return D(s).replace(tzinfo=SHANGHAI)


# --------------------------------------------------------------------------------------------------------
# Debtors (invented people at plausible companies) and the letters we sent them
# --------------------------------------------------------------------------------------------------------

CSOT = Debtor("深圳市华星光电技术有限公司", "csot.com.cn", "李娜", "lina@csot.com.cn",
              "李娜\n深圳市华星光电技术有限公司 财务中心 应付组\n电话：0755-2699 3120  手机：138 2651 4470\n"
              "地址：深圳市光明区塘明大道9-2号")
INOVANCE = Debtor("苏州汇川联合动力系统有限公司", "inovance-ad.com", "周涛", "zhoutao@inovance-ad.com",
                  "周涛 | 财务部\n苏州汇川联合动力系统有限公司\nTel: 0512-6637 9012\n苏州市吴中区越溪友翔路16号")
XINGRONG = Debtor("成都市兴蓉环境股份有限公司", "xingrong.com", "王堃", "wangkun@xingrong.com",
                  "王堃\n成都市兴蓉环境股份有限公司 计划财务部\n028-8531 6627\n成都市高新区锦城大道1000号")
SUNNY = Debtor("宁波舜宇光电信息有限公司", "sunnyoptical.com", "徐丽", "xuli@sunnyoptical.com",
               "徐丽\n宁波舜宇光电信息有限公司 财务部 应付账款\n电话：0574-6253 8810\n浙江省余姚市丰乐路67-69号")
BAIYUN = Debtor("广州白云电器设备股份有限公司", "qq.com", "黄志强", "2836410957@qq.com",
                "黄志强 广州白云电器设备股份有限公司 财务部\n电话 020-8606 0231 / 139 2215 8806")
LEAD = Debtor("无锡先导智能装备股份有限公司", "leadchina.cn", "钱敏", "qianmin@leadchina.cn",
              "钱敏\n无锡先导智能装备股份有限公司 资金管理部\n0510-8118 5288 转 8316\n无锡市新吴区新锡路20号")
GOTION = Debtor("合肥国轩高科动力能源有限公司", "gotion.com.cn", "张昇", "zhangsheng@gotion.com.cn",
                "张昇\n合肥国轩高科动力能源有限公司 财务管理中心\n电话：0551-6210 0355\n合肥市包河区花园大道566号")
CHANGYING = Debtor("东莞市长盈精密技术有限公司", "ewpt.com", "陈喆", "chenzhe@ewpt.com",
                   "陈喆\n东莞市长盈精密技术有限公司 财务部\nTEL：0769-8181 1203  FAX：0769-8181 1209")
RAYCUS = Debtor("武汉锐科光纤激光技术股份有限公司", "163.com", "刘镕", "liurong_rk@163.com",
                "刘镕\n武汉锐科光纤激光技术股份有限公司 财务部\n027-8133 8818")
HONGFA = Debtor("厦门宏发电声股份有限公司", "gmail.com", "林雅婷", "lin.yating.hf@gmail.com",
                "林雅婷\n厦门宏发电声股份有限公司 财务部 往来组\n0592-619 6768")
T712 = Debtor("天津七一二通信广播股份有限公司", "712.cn", "赵海燕", "zhaohy@712.cn",
              "--\n赵海燕\n天津七一二通信广播股份有限公司 财务部\n022-6538 8266")
YUTONG = Debtor("郑州宇通重工有限公司", "yutong-zg.com", "孙伟", "sunwei@yutong-zg.com", "")
ESTUN = Debtor("南京埃斯顿自动化股份有限公司", "estun.com", "吴佳", "wujia@estun.com",
               "吴佳\n南京埃斯顿自动化股份有限公司 财务部\n025-5212 8066")
NATIONSTAR = Debtor("佛山市国星光电股份有限公司", "nationstar.com", "何婷", "heting@nationstar.com", "何婷 国星光电财务")
ZOOMLION = Debtor("长沙中联重科环境产业有限公司", "zoomlion-env.com", "谭磊", "tanlei@zoomlion-env.com",
                  "谭磊\n长沙中联重科环境产业有限公司 财务部\n电话：0731-8565 0210\n长沙市岳麓区银盆南路361号")
XDKG = Debtor("西安西电开关电气有限公司", "xdkg.com.cn", "马骏", "majun@xdkg.com.cn",
              "马骏\n西安西电开关电气有限公司 财务处\n029-8422 6531")
JIER = Debtor("济南二机床集团有限公司", "126.com", "刘红", "jier_liuhong@126.com", "刘红\n济南二机床集团有限公司 财务\n0531-8586 0132")
IVO = Debtor("昆山龙腾光电股份有限公司", "ivo.com.cn", "蔡佳玲", "caijialing@ivo.com.cn",
             "蔡佳玲\n昆山龙腾光电股份有限公司 财务处\n0512-5791 6688-5230")
SHUNWO = Debtor("信和精密工業(香港)有限公司", "shunwo.com.hk", "梁家豪", "kh.leung@shunwo.com.hk",
                "Leung Ka Ho 梁家豪\nAccounts Department\nShun Wo Precision Industrial (HK) Ltd.\n"
                "Tel: +852 2793 6618\nUnit 1203, 12/F, Kwun Tong Harbour Plaza, 182 Wai Yip Street, Kowloon",
                english="Shun Wo Precision Industrial (HK) Ltd.")
LIANYING = Debtor("聯穎科技股份有限公司", "lianying.com.tw", "陳怡君", "yichun.chen@lianying.com.tw",
                  "陳怡君 Yi-Chun Chen\n聯穎科技股份有限公司 財務部\nTel: +886-3-577-2618 ext. 215\n新竹科學園區研發二路8號",
                  english="LianYing Technology Co., Ltd.")
KESSLER = Debtor("Kessler Antriebstechnik GmbH", "kessler-drives.de", "Martina Vogt", "m.vogt@kessler-drives.de",
                 "Martina Vogt\nAccounts Payable\nKessler Antriebstechnik GmbH\nIndustriestr. 14, 73037 Goeppingen, "
                 "Germany\nPhone +49 7161 6598 231", english="Kessler Antriebstechnik GmbH")
VANTAGE = Debtor("Vantage Controls Pte Ltd", "vantagecontrols.sg", "Rachel Tan", "rachel.tan@vantagecontrols.sg",
                 "Rachel Tan\nFinance Executive | Vantage Controls Pte Ltd\n8 Kaki Bukit Ave 4, #05-12, Singapore 415875\n"
                 "DID +65 6848 2271", english="Vantage Controls Pte Ltd")
HENGLI = Debtor("江苏恒立液压股份有限公司", "henglihydraulic.com", "蒋文", "jiangwen@henglihydraulic.com",
                "蒋文\n江苏恒立液压股份有限公司 财务部\n电话：0519-8616 3673\n常州市武进高新区龙潭路99号")
SANHUA = Debtor("浙江三花智能控制股份有限公司", "sanhuagroup.com", "俞晓", "yuxiao@sanhuagroup.com",
                "俞晓\n浙江三花智能控制股份有限公司 财务部\n0575-8602 1188")
BOE = Debtor("北京京东方显示技术有限公司", "boe.com.cn", "高洁", "gaojie@boe.com.cn",
             "高洁\n北京京东方显示技术有限公司 财务部 应付科\nTel：010-6781 8888-6325\n北京市经济技术开发区西环中路118号")
TRP = Debtor("株洲时代新材料科技股份有限公司", "trp.com.cn", "罗琴", "luoqin@trp.com.cn", "罗琴 | 时代新材 财务部 | 0731-2283 7120")
DHI = Debtor("大连华锐重工集团股份有限公司", "dhidcw.com", "于洋", "yuyang@dhidcw.com",
             "于洋\n大连华锐重工集团股份有限公司 财务部\n0411-8642 8112\n大连市西岗区八一路169号")
STARNET = Debtor("福建星网锐捷通讯股份有限公司", "star-net.cn", "郑凯", "zhengkai@star-net.cn",
                 "郑凯\n福建星网锐捷通讯股份有限公司 财务部\n0591-8305 7888")
XINGYU = Debtor("常州星宇车灯股份有限公司", "126.com", "邵丹", "xyl_shaodan@126.com", "邵丹 星宇车灯 财务部 0519-8585 6615")

L1 = Letter("AR-2026-0042", "k3f9x2", CSOT, sent("2026-11-20 10:12"), "128,450.00", d("2026-10-31"), d("2026-11-27"),
            "31000123、31000124")
L2 = Letter("AR-2026-0043", "p7m2q8", INOVANCE, sent("2026-11-18 09:30"), "356,800.00", d("2026-10-15"),
            d("2026-11-25"), "31000098")
L3 = Letter("AR-2026-0047", "r5t1w9", XINGRONG, sent("2026-11-19 14:05"), "86,320.50", d("2026-09-30"),
            d("2026-11-26"), "31000071、31000072、31000075")
L4 = Letter("AR-2026-0051", "b8c4n6", SUNNY, sent("2026-11-20 09:02"), "214,000.00", d("2026-10-20"), d("2026-11-26"),
            "31000102")
L5 = Letter("AR-2026-0055", "h2j7k3", BAIYUN, sent("2026-11-17 16:40"), "47,960.00", d("2026-10-10"), d("2026-11-24"),
            "31000066")
L6 = Letter("AR-2026-0058", "v9x3z1", LEAD, sent("2026-11-23 10:00"), "1,265,300.00", d("2026-09-25"), d("2026-12-01"),
            "31000051、31000052")
L7 = Letter("AR-2026-0060", "m4n8p2", GOTION, sent("2026-11-23 11:20"), "532,750.00", d("2026-10-28"), d("2026-11-30"),
            "31000110")
L8 = Letter("AR-2026-0061", "q1w5e7", CHANGYING, sent("2026-11-24 09:15"), "73,418.60", d("2026-10-31"),
            d("2026-12-01"), "31000115")
L9 = Letter("AR-2026-0063", "t6y2u8", RAYCUS, sent("2026-11-16 15:30"), "158,000.00", d("2026-10-12"), d("2026-11-23"),
            "31000080")
L10 = Letter("AR-2026-0066", "a3s9d4", HONGFA, sent("2026-11-20 10:40"), "96,540.00", d("2026-10-25"), d("2026-11-27"),
             "31000105")
L11 = Letter("AR-2026-0068", "f7g1h5", T712, sent("2026-11-16 09:50"), "41,200.00", d("2026-09-30"), d("2026-11-23"),
             "31000069")
L12 = Letter("AR-2026-0070", "j2k6l0", YUTONG, sent("2026-11-23 09:05"), "268,900.00", d("2026-10-18"),
             d("2026-11-30"), "31000088")
L13 = Letter("AR-2026-0072", "z8x4c2", ESTUN, sent("2026-11-24 14:22"), "119,360.00", d("2026-10-31"), d("2026-12-01"),
             "31000118")
L14 = Letter("AR-2026-0075", "c5v1b7", NATIONSTAR, sent("2026-11-20 11:11"), "62,875.00", d("2026-10-26"),
             d("2026-11-26"), "31000108")
L15 = Letter("AR-2026-0077", "n3m9q5", ZOOMLION, sent("2026-11-17 10:30"), "845,000.00", d("2026-09-20"),
             d("2026-11-24"), "31000044、31000045")
L16 = Letter("AR-2026-0079", "w2e8r4", XDKG, sent("2026-11-23 15:00"), "203,640.00", d("2026-10-30"), d("2026-11-30"),
             "31000113")
L17 = Letter("AR-2026-0081", "y7u3i9", JIER, sent("2026-11-20 09:40"), "52,750.00", d("2026-10-15"), d("2026-11-27"),
             "31000093")
L18 = Letter("AR-2026-0083", "o1p5a9", IVO, sent("2026-11-24 10:05"), "176,220.00", d("2026-10-31"), d("2026-12-01"),
             "31000116")
L19 = Letter("AR-2026-0085", "s4d8f2", SHUNWO, sent("2026-11-20 10:00"), "58,600.00", d("2026-10-31"), d("2026-11-26"),
             "31000107", english=True)
L20 = Letter("AR-2026-0086", "g6h0j4", LIANYING, sent("2026-11-19 16:00"), "35,230.00", d("2026-10-20"),
             d("2026-11-26"), "31000099", english=True, currency="USD")
L21 = Letter("AR-2026-0088", "k9l3z7", KESSLER, sent("2026-11-18 08:30"), "41,935.00", d("2026-10-15"), d("2026-11-25"),
             "31000090", english=True, currency="USD")
L22 = Letter("AR-2026-0089", "x2c6v0", VANTAGE, sent("2026-11-23 09:00"), "17,250.00", d("2026-10-31"),
             d("2026-11-26"), "31000112", english=True, currency="USD")
L23 = Letter("AR-2026-0091", "b5n9m3", HENGLI, sent("2026-11-20 13:30"), "312,480.00", d("2026-10-25"), d("2026-11-27"),
             "31000106")
L24 = Letter("AR-2026-0093", "e8r2t6", SANHUA, sent("2026-11-23 10:20"), "89,100.00", d("2026-10-31"), d("2026-11-26"),
             "31000111")
L25 = Letter("AR-2026-0095", "u1i5o9", BOE, sent("2026-11-19 09:45"), "456,300.00", d("2026-10-22"), d("2026-11-26"),
             "31000101、31000103")
L26 = Letter("AR-2026-0097", "l4k8j2", TRP, sent("2026-11-24 16:10"), "67,845.00", d("2026-10-28"), d("2026-12-01"),
             "31000117")
L27 = Letter("AR-2026-0099", "h7g1f5", DHI, sent("2026-11-16 10:00"), "1,078,000.00", d("2026-09-15"), d("2026-11-23"),
             "31000038、31000039、31000041")
L28 = Letter("AR-2026-0101", "d0s4a8", STARNET, sent("2026-11-23 14:00"), "29,980.00", d("2026-10-31"), d("2026-11-30"),
             "31000114")
L29 = Letter("AR-2026-0103", "p3o7i1", XINGYU, sent("2026-11-20 15:20"), "142,360.00", d("2026-10-26"), d("2026-11-27"),
             "31000104")


def P(day: str | None, amount: str | None = None) -> dict[str, str | None]:
    return {"date": day, "amount": amount}


REPLIES: list[Reply] = []
WRITTEN_BOUNCES: list[dict[str, Any]] = []


def R(n: int, client: str, intent: str, letter: Letter | None, when: str, text: str, contains: list[str],
      labels: dict[str, Any] | None = None, **kw: Any) -> None:
    REPLIES.append(Reply(n, client, intent, letter, when, text, contains, labels or {}, **kw))


# ========================================================================================================
# promise_to_pay
# ========================================================================================================

R(1, "outlook_zh", "promise_to_pay", L1, "2026-11-25 10:32", """
陈小姐您好：

这笔款我们财务这边已经在走流程了，预计月底前先付5万，剩下的下个月初结清。审批单在总监那里，签完我会第一时间通知您。
""", ["月底前先付5万", "剩下的下个月初结清"],
  {"promises": [P("2026-11-30", "50000.00"), P("2026-12-05", None)],
   "note": "月底 said on 2026-11-25 → 2026-11-30; 下个月初 → 2026-12-05; the rest has no amount"})

R(2, "foxmail", "promise_to_pay", L2, "2026-11-25 16:05", """
陈经理：

您好！贵司的款项我们已经提交付款申请，下周五（12月4日）可以付出，金额是￥200,000.00，\
其余的要等12月中旬资金计划下来再安排。

给您添麻烦了。
""", ["下周五（12月4日）可以付出", "200,000.00"], {"promises": [P("2026-12-04", "200000.00")]},
  attach=[], variant="")

R(3, "outlook_zh", "promise_to_pay", L3, "2026-11-26 09:18", """
您好，

收到。发票31000071和31000072的款我们计划12月10日前一起付，共计叁万贰仟陆佰元整（￥32,600.00），\
31000075那张还在走验收，验收单签好再付。

谢谢！
""", ["12月10日前一起付", "叁万贰仟陆佰元整"], {"promises": [P("2026-12-10", "32600.00")],
                                            "note": "gb2312 label, GBK-only 堃 in the signature"},
  charset="gb2312", variant="noline_cc")

R(4, "coremail", "promise_to_pay", L4, "2026-11-24 11:47", """
陈小姐好，
催款函收到了。我们这边本周内安排付12万，剩余的款项月中再付。麻烦您那边先不要再发函了，谢谢。
""", ["本周内安排付12万", "剩余的款项月中再付"],
  {"promises": [P("2026-11-27", "120000.00"), P("2026-12-15", None)],
   "note": "本周内 on Tue 2026-11-24 → Fri 2026-11-27; 月中 after this month's middle → 2026-12-15"})

R(5, "qqmail", "promise_to_pay", L5, "2026-11-23 20:41", """
陈小姐你好，这个月资金有点紧，下周一付2万，月底前再付剩下的2万7千9百6。
""", ["下周一付2万"], {"promises": [P("2026-11-30", "20000.00"), P("2026-11-30", "27960.00")],
                      "note": "下周一 on Mon 2026-11-23 → 2026-11-30; 月底 → 2026-11-30"},
  sig=False, footer="黄志强 白云电器 财务", raw_subject=True)

R(6, "alimail", "promise_to_pay", L6, "2026-11-24 15:20", """
陈经理您好：

感谢提醒。我司已将贵司货款列入12月第一周的付款计划，预计2026年12月3日支付首笔80万元，\
余款46.53万元于2026年12月25日前付清。如有变动我会提前告知。
""", ["预计2026年12月3日支付首笔80万元", "余款46.53万元"],
  {"promises": [P("2026-12-03", "800000.00"), P("2026-12-25", "465300.00")]})

R(7, "dingtalk", "promise_to_pay", L7, "2026-11-26 17:03", """
陈小姐，您好

贵司的款我们明天走付款，先付30万，银行承兑汇票，剩余的下月15号前电汇。
""", ["明天走付款，先付30万"], {"promises": [P("2026-11-27", "300000.00"), P("2026-12-15", None)]})

R(8, "foxmail", "promise_to_pay", L8, "2026-11-27 09:12", """
陈小姐：

您好，这笔款已经安排在12月8日付款，金额73,000.00元，尾款418.6元和下一批货款一起结。

谢谢！
""", ["12月8日付款，金额73,000.00元"], {"promises": [P("2026-12-08", "73000.00")],
                                    "note": "gb2312 label; GBK-only 喆 in the signature"},
  charset="gb2312")

R(9, "netease", "promise_to_pay", L9, "2026-11-24 21:35", """
陈女士：
您好，我是锐科财务刘镕。上周已经付了5万，回单附后。剩下的10万8我们下周三前付清，这周实在资金安排不过来，见谅。
""", ["上周已经付了5万", "剩下的10万8我们下周三前付清"],
  {"promises": [P("2026-12-02", "108000.00")], "note": "下周三 on Tue 2026-11-24 → Wed 2026-12-02; "
   "the part already paid does not change the intent: a dated promise outranks it"},
  sig=False, charset="GBK", attach=[("IMG_20261117_153012.jpg", "jpg", "rfc2047")])

R(10, "gmail_zh", "promise_to_pay", L10, "2026-11-25 14:50", """
陈小姐，您好！

邮件收到。这笔款我们下周五先付九万，剩下的6540元随下个月的货款一起付。

林雅婷
""", ["下周五先付九万"],
  {"promises": [P("2026-12-04", "90000.00")],
   "note": "下周五 on Wed 2026-11-25 → 2026-12-04; the rest has neither a date nor a promise of its own"},
  sig=False)

R(11, "thunderbird_zh", "promise_to_pay", L11, "2026-11-25 08:55", """
您好，

这笔款已经报上去了，财务经理说月底付3万，剩下1万1千2在12月11日之前转过去。
""", ["月底付3万", "剩下1万1千2在12月11日之前"],
  {"promises": [P("2026-11-30", "30000.00"), P("2026-12-11", "11200.00")]})

R(12, "iphone", "promise_to_pay", L12, "2026-11-27 18:22", """
收到，下周二前安排付20万，剩下的下月底前。
""", ["下周二前安排付20万"],
  {"promises": [P("2026-12-01", "200000.00"), P("2026-12-31", None)],
   "note": "下周二 on Fri 2026-11-27 → 2026-12-01; 下月底 → 2026-12-31"},
  footer="发自我的iPhone", sig=False)

R(13, "apple_zh", "promise_to_pay", L13, "2026-11-25 09:40", """
陈小姐好：

发票已收到，我们走完内部审批后12月15日前支付全部款项，金额￥119,000.00（扣除360元质保金）。

吴佳
南京埃斯顿自动化股份有限公司 财务部
""", ["12月15日前支付全部款项"], {"promises": [P("2026-12-15", "119000.00")]}, sig=False)

R(14, "mailmaster", "promise_to_pay", L14, "2026-11-24 13:16", """
你好，款已经在排了，这周五前付三万，剩下的下月初。
""", ["这周五前付三万"], {"promises": [P("2026-11-27", "30000.00"), P("2026-12-05", None)]},
  footer="发自网易邮箱大师", sig=False)

R(15, "outlook_en", "promise_to_pay", L21, "2026-11-24 09:14", """
Dear Ms Chen,

Thank you for your reminder. Payment of USD 20,000.00 has been scheduled for next Monday; the balance will \
follow by the end of the month after our controller signs off.

Best regards,
""", ["Payment of USD 20,000.00 has been scheduled for next Monday", "by the end of the month"],
  {"promises": [P("2026-11-30", "20000.00"), P("2026-11-30", None)], "currency": "USD",
   "note": "sent Tue 2026-11-24 09:14 +0100 = 16:14 in Shanghai; next Monday → 2026-11-30; end of the month → 11-30"},
  tz="+0100", language="en")

R(16, "gmail_en", "promise_to_pay", L22, "2026-11-25 11:05", """
Hi Xiaowen,

Sorry for the delay. We will pay USD 9,000 by Friday and the remaining USD 8,250 by December 18.

Thanks,
Rachel
""", ["USD 9,000 by Friday", "USD 8,250 by December 18"],
  {"promises": [P("2026-11-27", "9000.00"), P("2026-12-18", "8250.00")], "currency": "USD"},
  sig=False, language="en", variant="wrapped")

R(17, "outlook_hk", "promise_to_pay", L19, "2026-11-26 15:30", """
陳小姐：

你好！有關貨款，我司已安排於12月7日電匯港幣伍萬元（HKD 50,000），餘款下月中清付。

謝謝！
""", ["已安排於12月7日電匯港幣伍萬元"],
  {"promises": [P("2026-12-07", "50000.00"), P("2026-12-15", None)], "currency": "HKD"},
  charset="big5")

R(18, "outlook_zh", "promise_to_pay", L25, "2026-11-25 17:48", """
陈经理：

您好！之前因为ERP系统切换，付款停了两周，很抱歉。贵司的款我们已排入付款计划，\
2026-12-09付RMB 250,000，2026-12-23付RMB 206,300。

如需付款计划盖章版请告知。
""", ["2026-12-09付RMB 250,000", "2026-12-23付RMB 206,300"],
  {"promises": [P("2026-12-09", "250000.00"), P("2026-12-23", "206300.00")]},
  variant="fullwidth", charset="utf-8", exchange_id=True)

R(19, "qqmail", "promise_to_pay", L24, "2026-11-26 10:02", """
陈小姐您好：
&nbsp;
这笔款我们后天付，8万9，从工行转。
""", ["我们后天付，8万9"], {"promises": [P("2026-11-28", "89000.00")],
                            "note": "QQ text part with a literal &nbsp; line; 后天 on 11-26 → 11-28"},
  sig=False, footer="俞晓 三花智控财务部")

R(20, "coremail", "promise_to_pay", L16, "2026-11-27 14:30", """
陈小姐您好：

经请示领导，我司同意于2026年12月18日前支付贰拾万元整，余款3640元随下月对账一并结算。

此致
""", ["2026年12月18日前支付贰拾万元整"], {"promises": [P("2026-12-18", "200000.00")]})

# ========================================================================================================
# paid
# ========================================================================================================

R(21, "outlook_zh", "paid", L15, "2026-11-23 09:36", """
陈小姐：

您好！贵司款项我司已于11月20日通过招商银行电汇支付人民币500,000.00元，交易流水号：2026112009315587，\
银行回单见附件，请查收。剩余款项另行安排。
""", ["已于11月20日通过招商银行电汇支付人民币500,000.00元", "2026112009315587"],
  {"amount": "500000.00", "paid_date": "2026-11-20", "reference": "2026112009315587"},
  attach=[("银行回单.pdf", "pdf", "rfc2047")])

R(22, "foxmail", "paid", L23, "2026-11-24 10:20", """
陈小姐好：

款已经付了，昨天已经汇款30万，银行回单附件里有，麻烦查一下。
""", ["昨天已经汇款30万"],
  {"amount": "300000.00", "paid_date": "2026-11-23"},
  attach=[("回单.jpg", "jpg", "rfc2047")])

R(23, "netease", "paid", L17, "2026-11-26 08:47", """
陈小姐：
这笔款我们11月25日已经付过了，金额38750元，网银转账，你们查一下是不是没对上账。
""", ["11月25日已经付过了，金额38750元"],
  {"amount": "38750.00", "paid_date": "2026-11-25"},
  charset="GBK")

R(24, "gmail_en", "paid", L20, "2026-11-24 09:30", """
Dear Ms Chen,

We remitted USD 23,480 on Nov 20 via Mega Bank (ref. TT2611200457). Please find the bank slip attached and \
kindly update your records.

Best regards,
Yi-Chun
""", ["We remitted USD 23,480 on Nov 20", "TT2611200457"],
  {"amount": "23480.00", "paid_date": "2026-11-20", "reference": "TT2611200457", "currency": "USD"},
  sig=False, language="en", attach=[("TT_slip_20261120.pdf", "pdf", "rfc2231")])

R(25, "qqmail", "paid", L5, "2026-11-30 09:05", """
陈小姐，款今天上午已经付了4万7，还差的960是上次的运费，你们开了票我们再付。回单等下拍给你。
""", ["款今天上午已经付了"], {"amount": "47000.00", "paid_date": "2026-11-30"}, sig=False, raw_subject=True)

R(26, "outlook_en", "paid", L21, "2026-11-30 08:02", """
Hello Xiaowen,

The remaining balance of USD 21,935.00 was paid today, value date 30 Nov 2026, our payment reference \
KAT-PAY-88213.

Kind regards,
""", ["USD 21,935.00 was paid today", "KAT-PAY-88213"],
  {"amount": "21935.00", "paid_date": "2026-11-30", "reference": "KAT-PAY-88213", "currency": "USD"},
  tz="+0100", variant="original", language="en")

R(27, "alimail", "paid", L6, "2026-11-30 11:30", """
陈经理：

今天上午已经付了第一笔80万，电子回单附件请查收，流水号 31255202611300037。
""", ["今天上午已经付了第一笔80万", "31255202611300037"],
  {"amount": "800000.00", "paid_date": "2026-11-30", "reference": "31255202611300037"},
  attach=[("电子回单_先导智能_20261130.pdf", "pdf", "rfc2231")])

R(28, "iphone", "paid", L12, "2026-11-28 12:10", """
陈小姐，昨天下午已经转了二十万，您查一下
""", ["昨天下午已经转了二十万"], {"amount": "200000.00", "paid_date": "2026-11-27"},
  footer="发自我的iPhone", sig=False)

# ========================================================================================================
# dispute
# ========================================================================================================

R(29, "outlook_zh", "dispute", L18, "2026-11-26 14:12", """
陈小姐：

您好！发票31000116对应的那批导轨，到货后我们IQC检验有18件尺寸超差（检验报告10月30日已经发给贵司销售张工），\
至今没有处理结果。质量问题解决之前这张发票的款我们没法付。

请尽快安排技术人员过来确认。
""", ["有18件尺寸超差", "质量问题解决之前这张发票的款我们没法付"], {"dispute_reason": "quality"},
  variant="noline_date")

R(30, "coremail", "dispute", L26, "2026-11-25 10:44", """
陈小姐：

贵司函件中的金额与我方账面不符。10月份那批橡胶减振件合同数量是1200套，实际到货1150套，\
少了50套，我们只能按实收数量付款。请贵司核实后重新出具对账单。
""", ["实际到货1150套", "我们只能按实收数量付款"], {"dispute_reason": "quantity"})

R(31, "foxmail", "dispute", L2, "2026-11-20 11:30", """
陈经理：

这笔账我们有异议。合同约定单价是每台4,280元，贵司开票按4,460元开的，差价我们不认，\
请按合同价重新开票后我们再付款。
""", ["合同约定单价是每台4,280元", "差价我们不认"], {"dispute_reason": "price"})

R(32, "gmail_en", "dispute", L22, "2026-11-24 16:40", """
Hi Xiaowen,

We have not received the goods on invoice 31000112 - our warehouse has no GRN for it and the tracking number \
on your delivery note shows no delivery. We cannot pay for goods we never received. Could you check with your \
logistics team?

Rachel
""", ["We have not received the goods", "We cannot pay for goods we never received"],
  {"dispute_reason": "not_delivered"}, sig=False, language="en")

# ========================================================================================================
# document_request
# ========================================================================================================

R(33, "outlook_zh", "document_request", L1, "2026-11-23 14:25", """
陈小姐：

您好！发票31000124我们这边一直没有收到，财务没有发票无法入账付款。请补寄增值税专用发票，\
收件人：李娜，深圳市光明区塘明大道9-2号 财务中心。收到发票后我们尽快安排。
""", ["发票31000124我们这边一直没有收到", "请补寄增值税专用发票"], {"note": "the first reply on this case"})

R(34, "coremail", "document_request", L4, "2026-11-23 10:08", """
陈小姐你好：

我们要走付款流程需要贵司的送货单和签收单复印件，麻烦扫描发一下，另外合同我们这边找不到原件了，也麻烦提供一份扫描件。
""", ["需要贵司的送货单和签收单复印件", "也麻烦提供一份扫描件"])

R(35, "qqmail", "document_request", L5, "2026-11-18 09:30", """
陈小姐，发票没收到，你们是寄到哪里了？麻烦重新开一张电子发票发到我邮箱。
""", ["发票没收到", "麻烦重新开一张电子发票发到我邮箱"], sig=False, footer="黄志强", raw_subject=True)

R(36, "outlook_en", "document_request", L21, "2026-11-19 10:02", """
Dear Ms Chen,

We cannot locate invoice 31000090 in our system. Could you please send us a copy of the invoice together with \
the signed delivery note? Our AP team can only process payment once both are on file.

Best regards,
""", ["Could you please send us a copy of the invoice"], tz="+0100", language="en")

# ========================================================================================================
# installment_request
# ========================================================================================================

R(37, "outlook_zh", "installment_request", L15, "2026-11-24 16:55", """
陈小姐：

您好！今年项目回款很不理想，贵司这笔款我们一次性付确实有困难。想跟贵司商量分期：\
12月、1月、2月每月付一部分，三个月内付清。具体每期金额可以再商量，如果可以的话我们签个还款协议。
""", ["想跟贵司商量分期", "三个月内付清"])

R(38, "gmail_zh", "installment_request", L28, "2026-11-25 19:20", """
陈小姐您好，

能否分两期支付？第一期12月付一半，第二期1月底前付清。公司年底资金压力比较大，请理解。

郑凯
""", ["能否分两期支付"], sig=False)

R(39, "outlook_en", "installment_request", L21, "2026-11-26 09:40", """
Dear Ms Chen,

Due to a delay in our customer's payments we would like to propose settling the outstanding balance in three \
monthly instalments, starting in December. Please let us know whether this is acceptable and we will send a \
signed payment plan.

Best regards,
""", ["settling the outstanding balance in three monthly instalments"], tz="+0100", language="en")

# ========================================================================================================
# hardship
# ========================================================================================================

R(40, "foxmail", "hardship", L8, "2026-11-25 15:40", """
陈小姐：

实在不好意思，我们下游客户的款到现在还没回来，公司账上资金很紧张，这笔款暂时付不了。\
等客户回款了我们第一时间安排，请再宽限一段时间。
""", ["我们下游客户的款到现在还没回来", "这笔款暂时付不了"], charset="gb2312")

R(41, "netease", "hardship", L29, "2026-11-24 18:02", """
陈小姐您好：
我们公司目前在做债务重组，银行账户被冻结了一部分，所有对外付款都暂停了，具体什么时候恢复我也不清楚，\
有进展我再告诉您。
""", ["所有对外付款都暂停了"], sig=False, footer="邵丹")

R(42, "dingtalk", "hardship", L26, "2026-11-27 10:15", """
陈小姐，
主机厂那边的货款拖了三个月没付，我们现在也是等米下锅，年前能不能付真说不好，等主机厂回款了第一时间付你们。
""", ["等主机厂回款了第一时间付你们"])

# ========================================================================================================
# statement_confirmed
# ========================================================================================================

R(43, "outlook_zh", "statement_confirmed", L25, "2026-11-23 16:20", """
陈小姐：

对账单已核对无误，已盖章签字，扫描件见附件。
""", ["对账单已核对无误，已盖章签字"], attach=[("对账单_京东方_盖章.pdf", "pdf", "rfc2047")], charset="utf-8")

R(44, "coremail", "statement_confirmed", L27, "2026-11-24 10:30", """
陈小姐：

经核对，截至2026年10月31日我司欠贵司货款余额与贵司对账单一致，我司予以确认。盖章版对账单扫描件附后，原件已快递寄出，\
顺丰单号SF1402837765531。
""", ["我司予以确认", "盖章版对账单扫描件附后"], attach=[("对账确认函.jpg", "jpg", "rfc2047")])

R(45, "alimail", "statement_confirmed", L23, "2026-11-23 14:05", """
陈小姐好：

贵司发来的往来对账单我们核对过了，金额没问题，签字盖章后回传给您，见附件。
""", ["金额没问题，签字盖章后回传给您"], attach=[("往来对账单-恒立液压.pdf", "pdf", "rfc2231")])

# ========================================================================================================
# auto_reply
# ========================================================================================================

R(46, "outlook_zh", "auto_reply", L25, "2026-11-19 09:46", """
您好，我目前休假中，将于12月8日返回办公室，期间邮件回复可能延迟。紧急事务请联系财务部张敏 zhangmin@boe.com.cn。
""", ["将于12月8日返回"], {"return_date": "2026-12-08"}, quote=False, sig=False,
  subject="自动答复: 【催款函】上海华东机电设备有限公司 应收账款 [AR-2026-0095]",
  extra_headers=["Auto-Submitted: auto-generated", "X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent",
                 "X-Auto-Response-Suppress: All", "X-MS-Has-Attach: "])

R(47, "outlook_en", "auto_reply", L21, "2026-11-18 01:31", """
Thank you for your email. I am out of the office until 7 December 2026 with limited access to email. For urgent \
payment matters please contact ap@kessler-drives.de.
""", ["I am out of the office until 7 December 2026"], {"return_date": "2026-12-07"}, quote=False, sig=False,
  subject="Automatic reply: Payment reminder [AR-2026-0088] Shanghai Huadong Electromechanical Equipment Co., Ltd.",
  extra_headers=["Auto-Submitted: auto-replied", "X-MS-Exchange-Inbox-Rules-Loop: m.vogt@kessler-drives.de",
                 "X-MS-Exchange-Organization-AutoReplied: true"], tz="+0100", language="en")

R(48, "coremail", "auto_reply", L16, "2026-11-23 15:00", """
您好！您的来信已收到，我会尽快处理。本人11月23日至11月29日出差，如有急事请致电029-8422 6500。
""", ["本人11月23日至11月29日出差"], {"return_date": "2026-11-30",
                                   "note": "away until 11-29 inclusive, so back on 11-30"},
  quote=False, sig=False, subject="自动回复: 【催款函】上海华东机电设备有限公司 应收账款 [AR-2026-0079]",
  extra_headers=["X-Autoreply: yes", "Auto-Submitted: auto-replied"])

R(49, "qqmail", "auto_reply", L5, "2026-11-17 16:40", """
这是来自QQ邮箱的假期自动回复邮件。
您好，我最近正在休假中，无法亲自回复您的邮件。我将在假期结束后，尽快给您回复。
""", ["假期自动回复"], quote=False, sig=False,
  subject="自动回复: 【催款函】上海华东机电设备有限公司 应收账款 [AR-2026-0055]",
  extra_headers=["X-QQ-AUTOREPLY: 1", "Precedence: auto_reply"])

# ========================================================================================================
# other
# ========================================================================================================

R(50, "outlook_zh", "other", L1, "2026-11-24 09:05", """
陈小姐：

您好！我们公司应付这块从12月1日起交给共享中心的王工（wanggong@csot.com.cn）负责，\
以后对账和催款的邮件请直接发给他，抄送我就行。
""", ["以后对账和催款的邮件请直接发给他"], {"note": "contact change: no payment statement"})

R(51, "netease", "other", L17, "2026-11-23 10:30", """
收到，已转给我们领导。
""", ["已转给我们领导"], sig=False, charset="GBK")

R(52, "gmail_en", "other", L22, "2026-11-23 10:15", """
Hi Xiaowen,

Noted with thanks. I have forwarded this to our finance manager for review and will revert.

Rachel
""", ["forwarded this to our finance manager"], sig=False, language="en")

# --------------------------------------------------------------------------------------------------------
# More debtors
# --------------------------------------------------------------------------------------------------------

HISENSE = Debtor("青岛海信日立空调系统有限公司", "hisense-hitachi.com", "王昊", "wanghao@hisense-hitachi.com",
                 "王昊 Wang Hao\n青岛海信日立空调系统有限公司 财务部\nTel: 0532-8087 5516\n青岛市黄岛区前湾港路218号")
ROBAM = Debtor("杭州老板电器股份有限公司", "robam.com", "沈佳", "shenjia@robam.com",
               "沈佳\n杭州老板电器股份有限公司 财务中心\n0571-8613 7766\n杭州市临平区临平大道592号")
ZONGSHEN = Debtor("重庆宗申动力机械股份有限公司", "qq.com", "冉小雨", "1579028836@qq.com", "冉小雨 宗申动力 财务部 023-6637 2632")
SANHUAN = Debtor("湖北三环锻造有限公司", "hbsanhuan.com", "彭静", "pengjing@hbsanhuan.com",
                 "彭静\n湖北三环锻造有限公司 财务部\n0710-3336 218\n湖北省谷城县城关镇三环路")
GOLDWIND = Debtor("新疆金风科技股份有限公司", "goldwind.com", "艾力·买买提", "aili@goldwind.com",
                  "艾力·买买提\n新疆金风科技股份有限公司 财务共享中心\n电话：0991-3767 926\n乌鲁木齐市经济技术开发区上海路107号")
HENGTONG = Debtor("江苏亨通光电股份有限公司", "hengtonggroup.com", "顾晓燕", "guxiaoyan@hengtonggroup.com",
                  "顾晓燕\n江苏亨通光电股份有限公司 财务部 应付组\n0512-6343 0985")

L30 = Letter("AR-2026-0105", "w8q2e6", HISENSE, sent("2026-11-23 10:45"), "184,600.00", d("2026-10-29"),
             d("2026-11-30"), "31000119")
L31 = Letter("AR-2026-0107", "r3t7y1", ROBAM, sent("2026-11-20 14:30"), "65,480.00", d("2026-10-20"), d("2026-11-27"),
             "31000100")
L32 = Letter("AR-2026-0108", "u5i9o3", ZONGSHEN, sent("2026-11-19 11:00"), "23,750.00", d("2026-10-15"),
             d("2026-11-26"), "31000094")
L33 = Letter("AR-2026-0110", "p6a0s4", SANHUAN, sent("2026-11-23 09:30"), "97,320.00", d("2026-10-31"), d("2026-11-30"),
             "31000120")
L34 = Letter("AR-2026-0112", "d2f6g0", GOLDWIND, sent("2026-11-18 10:10"), "2,365,000.00", d("2026-09-30"),
             d("2026-11-25"), "31000055、31000056、31000057")
L35 = Letter("AR-2026-0114", "h9j3k7", HENGTONG, sent("2026-11-24 09:50"), "138,900.00", d("2026-10-30"),
             d("2026-12-01"), "31000121")
# Second letters (level 2) to debtors who did not answer the first.
L1B = Letter("AR-2026-0042", "m7v3c9", CSOT, sent("2026-11-27 09:00"), "128,450.00", d("2026-10-31"), d("2026-12-04"),
             "31000123、31000124")
L15B = Letter("AR-2026-0077", "t2y8u4", ZOOMLION, sent("2026-11-24 09:00"), "345,000.00", d("2026-09-20"),
              d("2026-12-01"), "31000045")

# ========================================================================================================
# promise_to_pay (more)
# ========================================================================================================

R(53, "outlook_zh", "promise_to_pay", L30, "2026-11-26 11:20", """
陈小姐：

您好！这笔款我们下周五付一半，九万二千三百元，剩下的等12月中旬资金到位再付，请知悉。
""", ["下周五付一半，九万二千三百元"], {"promises": [P("2026-12-04", "92300.00"), P("2026-12-20", None)],
                                 "note": "下周五 on Thu 2026-11-26 → 2026-12-04; 12月中旬 → 2026-12-20"},
  variant="original", cte="quoted-printable")

R(54, "alimail", "promise_to_pay", L31, "2026-11-24 09:58", """
陈小姐您好，

上周我们已经付了一万五（11月18日），剩下的五万零四百八十元12月1日安排支付。\
麻烦把上次的付款核对一下。
""", ["剩下的五万零四百八十元12月1日安排支付", "上周我们已经付了一万五（11月18日）"],
  {"promises": [P("2026-12-01", "50480.00")], "paid_date": "2026-11-18",
   "note": "a part already paid plus a dated promise: the promise decides (promise_to_pay)"},
  html="html_only")

R(55, "qqmail", "promise_to_pay", L32, "2026-11-27 21:13", """
陈小姐：
不好意思这么晚回复，今天一直在开会。两万三千块我们下周三付掉，750的尾差月底对账再说。
""", ["两万三千块我们下周三付掉"], {"promises": [P("2026-12-02", "23000.00")],
                                "note": "下周三 on Fri 2026-11-27 → 2026-12-02"},
  sig=False, footer="冉小雨\n重庆宗申动力机械股份有限公司 财务部\n\n刘䶮 代发", raw_subject=True)

R(56, "coremail", "promise_to_pay", L33, "2026-11-24 16:32", """
陈小姐好：
你们的款我们已经报了12月份的资金计划，12月5日之前付97,000元，零头320元下次一起付。
""", ["12月5日之前付97,000元"], {"promises": [P("2026-12-05", "97000.00")]}, match="subject",
  subject="回复:【催款函】上海华东机电设备有限公司 应收账款 [AR-2026-0110]")

R(57, "outlook_zh", "promise_to_pay", L34, "2026-11-20 10:05", """
陈经理：

您好！贵司函件收悉。我司已将该笔款项纳入2026年12月付款计划：2026年12月10日支付人民币壹佰万元整，\
2026年12月25日支付人民币壹佰叁拾陆万伍仟元整。届时请注意查收。

特此回复。
""", ["2026年12月10日支付人民币壹佰万元整", "2026年12月25日支付人民币壹佰叁拾陆万伍仟元整"],
  {"promises": [P("2026-12-10", "1000000.00"), P("2026-12-25", "1365000.00")]}, variant="noline_date",
  charset="utf-8")

R(58, "foxmail", "promise_to_pay", L35, "2026-11-25 14:27", """
陈小姐：

您好！款项已提交OA审批，预计本周内可以付出13万，剩余8900元下月初支付。

如有问题随时联系。
""", ["预计本周内可以付出13万", "剩余8900元下月初支付"],
  {"promises": [P("2026-11-27", "130000.00"), P("2026-12-05", "8900.00")],
   "note": "本周内 on Wed 2026-11-25 → Fri 2026-11-27; 下月初 → 2026-12-05"}, variant="english")

R(59, "gmail_en", "promise_to_pay", L22, "2026-11-27 10:40", """
Hi Xiaowen,

Following up on my earlier mail: our director approved the payment. We will transfer USD 17,000 next Monday \
and the remaining USD 250 will be netted against your credit note CN-2611.

Regards,
Rachel
""", ["We will transfer USD 17,000 next Monday"], {"promises": [P("2026-11-30", "17000.00")], "currency": "USD"},
  sig=False, language="en", tz="+0800")

R(60, "outlook_tw", "promise_to_pay", L20, "2026-11-24 17:10", """
陳小姐 您好：

有關貴司帳款，本公司已排定於12月10日電匯美金壹萬壹仟柒佰伍拾元整（USD 11,750.00），\
敬請查收。造成不便，敬請見諒。
""", ["已排定於12月10日電匯美金壹萬壹仟柒佰伍拾元整"],
  {"promises": [P("2026-12-10", "11750.00")], "currency": "USD"}, charset="big5")

R(61, "netease", "promise_to_pay", L29, "2026-11-30 10:12", """
陈小姐：
银行账户的事情处理好了，下周一我们先付五万，剩下的12月底前付清。
""", ["下周一我们先付五万", "剩下的12月底前付清"],
  {"promises": [P("2026-12-07", "50000.00"), P("2026-12-31", None)],
   "note": "下周一 on Mon 2026-11-30 → 2026-12-07; 12月底 → 2026-12-31"},
  sig=False, footer="邵丹")

R(62, "dingtalk", "promise_to_pay", L26, "2026-11-30 09:20", """
陈小姐早，
主机厂的款上周五到了，我们这笔款本周三付6万，剩下的7845元本周五前付。
""", ["我们这笔款本周三付6万", "剩下的7845元本周五前付"],
  {"promises": [P("2026-12-02", "60000.00"), P("2026-12-04", "7845.00")]})

R(63, "iphone", "promise_to_pay", L13, "2026-11-28 11:05", """
陈小姐周末打扰了，款下周四付，十一万九千。
""", ["款下周四付，十一万九千"], {"promises": [P("2026-12-03", "119000.00")],
                             "note": "Sat 2026-11-28: 下周四 → Thu 2026-12-03"},
  footer="发自我的iPhone", sig=False, match="plus")

R(64, "apple_zh", "promise_to_pay", L10, "2026-11-30 15:45", """
陈小姐：

不好意思，上周说的下周五付款要推迟一下，改为12月11日付九万元。

林雅婷
""", ["改为12月11日付九万元"], {"promises": [P("2026-12-11", "90000.00")],
                           "note": "the debtor quotes her own earlier words (下周五) but the new date is 12-11"},
  sig=False, variant="quoted", sender=("林雅婷", "lin.yating.hf@gmail.com"))

R(65, "thunderbird_zh", "promise_to_pay", L16, "2026-11-30 14:00", """
陈小姐您好：

之前说的12月18日付款，领导批了可以提前，改为本周五付二十万。
""", ["改为本周五付二十万"], {"promises": [P("2026-12-04", "200000.00")],
                          "note": "本周五 on Mon 2026-11-30 → Fri 2026-12-04; the earlier 12月18日 is superseded"},
  sig=False, footer="马骏 西电开关 财务处")

R(66, "mailmaster", "promise_to_pay", L17, "2026-11-30 17:30", """
陈小姐，剩下的一万四下个月15号之前给你们打过去。
""", ["剩下的一万四下个月15号之前给你们打过去"], {"promises": [P("2026-12-15", "14000.00")]},
  footer="发自网易邮箱大师", sig=False)

R(67, "gmail_zh", "promise_to_pay", L28, "2026-11-30 18:02", """
陈小姐：

分期的事情领导没批，我们12月8日先付两万，剩下的九千九百八明年1月初付。

郑凯
""", ["12月8日先付两万", "剩下的九千九百八明年1月初付"],
  {"promises": [P("2026-12-08", "20000.00"), P("2027-01-05", "9980.00")]},
  sig=False)

R(68, "outlook_en", "promise_to_pay", L19, "2026-11-25 12:30", """
Dear Ms Chen,

Thanks for your patience. We will settle HKD 30,000 by Friday and the remaining balance by the end of the month.

Regards,
""", ["We will settle HKD 30,000 by Friday", "by the end of the month"],
  {"promises": [P("2026-11-27", "30000.00"), P("2026-11-30", None)], "currency": "HKD"}, language="en",
  charset="utf-8")

R(69, "foxmail", "promise_to_pay", L18, "2026-12-01 09:30", """
陈小姐：

导轨的问题贵司张工已经来处理过了，换货也收到了。这笔款我们12月10日付17万，剩下6220元的质保金按合同一年后付。
""", ["这笔款我们12月10日付17万"], {"promises": [P("2026-12-10", "170000.00")],
                                "note": "the dispute of reply 29 is settled"}, match="sender", quote=False,
  subject="关于导轨货款")

R(70, "coremail", "promise_to_pay", L4, "2026-11-30 10:40", """
陈小姐：

本周内付的12万已经在今天上午付出，回单附后。剩下的9.4万按之前说的月中付，也就是12月15日。
""", ["剩下的9.4万按之前说的月中付"],
  {"promises": [P("2026-12-15", "94000.00")], "paid_date": "2026-11-30",
   "note": "a payment made today plus a dated promise: promise_to_pay"},
  attach=[("付款回单20261130.pdf", "pdf", "rfc2047")], charset="GBK")

R(71, "outlook_zh", "promise_to_pay", L1B, "2026-11-27 15:10", """
陈小姐：

第二封函收到了。发票我们已经收到（谢谢补寄），款项安排在下周四付十二万，剩下8450元下个月中旬付。
""", ["款项安排在下周四付十二万", "剩下8450元下个月中旬付"],
  {"promises": [P("2026-12-03", "120000.00"), P("2026-12-20", "8450.00")],
   "note": "下周四 on Fri 2026-11-27 → 2026-12-03; 中旬 → the 20th"})

R(72, "qqmail", "promise_to_pay", L24, "2026-11-29 22:40", """
陈小姐：&nbsp;上次说后天付的没付成，不好意思，出纳请假了。明天一早付，8万9。
""", ["明天一早付，8万9"], {"promises": [P("2026-11-30", "89000.00")]}, sig=False, footer="俞晓",
  html="html_only")

R(73, "outlook_zh", "promise_to_pay", L15B, "2026-11-25 11:00", """
陈小姐：

余款我们春节后一次性付清，现在实在没有资金了，请理解。
""", ["余款我们春节后一次性付清"],
  {"promises": [P(None, None)], "note": "春节后 is no date: a promise without a date (promised_date null)"})

# ========================================================================================================
# paid (more)
# ========================================================================================================

R(74, "outlook_zh", "paid", L35, "2026-11-27 16:02", """
陈小姐：

您好！贵司货款人民币壹拾贰万元整已于今日通过中国银行支付，余款另行安排，回单号：BOC-20261127-0083311。\
请查收。
""", ["已于今日通过中国银行支付", "BOC-20261127-0083311"],
  {"amount": "120000.00", "paid_date": "2026-11-27", "reference": "BOC-20261127-0083311",
   "note": "'余款另行安排' is no promise"},
  attach=[("中行回单.pdf", "pdf", "rfc2047")], variant="fullwidth")

R(75, "netease", "paid", L9, "2026-11-26 09:15", """
陈女士：
剩下的10万8今天已经付了，网银流水号 4403 2611 2600 1852，请核实。谢谢
""", ["剩下的10万8今天已经付了", "4403 2611 2600 1852"],
  {"amount": "108000.00", "paid_date": "2026-11-26", "reference": "4403 2611 2600 1852"},
  sig=False, footer="刘镕", charset="GBK")

R(76, "foxmail", "paid", L2, "2026-12-04 15:50", """
陈经理：

20万已经付出，回单附件。
""", ["20万已经付出"], {"amount": "200000.00", "note": "no payment date given: paid_date null"},
  attach=[("=招商银行回单=.jpg", "jpg", "rfc2047")])

R(77, "gmail_zh", "paid", L10, "2026-12-11 16:20", """
陈小姐：

九万元今天已经转账，请查收。附件是回单。

林雅婷
""", ["九万元今天已经转账"], {"amount": "90000.00", "paid_date": "2026-12-11"}, sig=False,
  attach=[("回单 20261211.pdf", "pdf", "rfc2231")])

R(78, "outlook_zh", "paid", L3, "2026-11-24 10:00", """
陈小姐：

31000071和31000072两张发票的款我们11月20日已经付了，共计32,600元，是不是你们还没对上？\
银行参考号 20261120CD88172。
""", ["11月20日已经付了，共计32,600元", "20261120CD88172"],
  {"amount": "32600.00", "paid_date": "2026-11-20", "reference": "20261120CD88172",
   "note": "gb2312 label; GBK-only 堃 in the signature"}, charset="gb2312")

R(79, "alimail", "paid", L31, "2026-12-01 17:40", """
陈小姐：

剩下的五万零四百八十元今天已经付了，请查收。
""", ["剩下的五万零四百八十元今天已经付了"], {"amount": "50480.00", "paid_date": "2026-12-01"})

R(80, "qqmail", "paid", L32, "2026-12-02 14:05", """
陈小姐，23000已付，你们查下
""", ["23000已付"], {"amount": "23000.00", "note": "no payment date given: paid_date null"},
  sig=False, raw_subject=True, footer="发自我的QQ邮箱手机版")

R(81, "outlook_en", "paid", L21, "2026-11-19 09:00", """
Dear Ms Chen,

Please note that invoice 31000090 was already settled on March 15 with our payment run PR-2026-0311 \
(USD 2,480.00). The open amount in your reminder seems to include it; could you check your records?

Best regards,
""", ["already settled on March 15", "PR-2026-0311"],
  {"amount": "2480.00", "paid_date": "2026-03-15", "reference": "PR-2026-0311", "currency": "USD",
   "note": "March 15 without a year in a payment: the last such date, 2026-03-15"},
  tz="+0100", language="en")

R(82, "coremail", "paid", L27, "2026-11-27 11:20", """
陈小姐：

我司已于2026年11月26日通过建设银行付款人民币60万元（附言：华锐重工付货款），\
余款我们正在安排，确定后再通知您。
""", ["已于2026年11月26日通过建设银行付款人民币60万元"], {"amount": "600000.00", "paid_date": "2026-11-26"},
  attach=[("建行回单.pdf", "pdf", "rfc2047")])

R(83, "dingtalk", "paid", L7, "2026-11-27 16:48", """
陈小姐，30万承兑今天已经背书转给你们了，票号 130058100052120261127000618，请注意签收。
""", ["30万承兑今天已经背书转给你们了", "130058100052120261127000618"],
  {"amount": "300000.00", "paid_date": "2026-11-27", "reference": "130058100052120261127000618"})

R(84, "gmail_tw", "paid", L20, "2026-11-20 11:00", """
陳小姐您好：

美金23,480元已於11月19日匯出，匯款水單如附件，請查收。

陳怡君
""", ["美金23,480元已於11月19日匯出"], {"amount": "23480.00", "paid_date": "2026-11-19", "currency": "USD"},
  sig=False, attach=[("匯款水單.pdf", "pdf", "rfc2231")])

R(85, "thunderbird_zh", "paid", L11, "2026-11-30 16:40", """
您好，

3万今天已付，剩下的1万1千2也会按约定付清。
""", ["3万今天已付"], {"amount": "30000.00", "paid_date": "2026-11-30",
                      "note": "the remaining promise was made before (reply 011) and is not dated again here"},
  sig=True)

R(86, "mailmaster", "paid", L14, "2026-11-27 18:00", """
三万付了，回单见附件
""", ["三万付了"], {"amount": "30000.00", "note": "no payment date given: paid_date null"}, footer="发自网易邮箱大师", sig=False,
  attach=[("IMG_4471.JPG", "jpg", "rfc2231")])

R(87, "outlook_zh", "paid", L1, "2026-11-30 17:35", """
陈小姐：

5万已于今天下午付款，交易流水号：0755 2026 1130 8812。剩余的我们尽快安排。
""", ["5万已于今天下午付款", "0755 2026 1130 8812"],
  {"amount": "50000.00", "paid_date": "2026-11-30", "reference": "0755 2026 1130 8812",
   "note": "'尽快安排' is no dated promise"},
  exchange_id="microsoft", charset="utf-8")

R(88, "apple_zh", "paid", L33, "2026-12-04 10:10", """
陈小姐，97000元昨天已经付了，请查收。
""", ["97000元昨天已经付了"], {"amount": "97000.00", "paid_date": "2026-12-03"}, sig=False,
  footer="彭静\n湖北三环锻造有限公司")

# ========================================================================================================
# dispute (more)
# ========================================================================================================

R(89, "foxmail", "dispute", L8, "2026-11-26 10:35", """
陈小姐：

你们10月份发的那批端子，我们产线用了发现镀层不良，已经退回去120个，退货单号TH-2610-027，\
贵司到现在还没有开红字发票冲减，所以账我们对不上。请先处理退货，再谈付款。
""", ["发现镀层不良", "请先处理退货，再谈付款"], {"dispute_reason": "quality",
                                            "note": "gb2312 label; GBK-only 喆 in the signature"},
  charset="gb2312")

R(90, "outlook_zh", "dispute", L30, "2026-11-24 15:10", """
陈小姐：

贵司催款金额有误。31000119发票对应的合同约定单价为每套1,850元，贵司按1,920元开票，\
多出的差价我司不予认可，请按合同价格重开发票。
""", ["多出的差价我司不予认可", "请按合同价格重开发票"], {"dispute_reason": "price"}, variant="noline_cc")

R(91, "coremail", "dispute", L33, "2026-11-23 14:50", """
陈小姐：

这笔货我们根本没收到！物流信息显示11月2日签收，但签收人不是我们公司的人，我们已经报了物流公司调查。\
货没到之前这笔款不可能付。
""", ["这笔货我们根本没收到", "货没到之前这笔款不可能付"], {"dispute_reason": "not_delivered"})

R(92, "qqmail", "dispute", L5, "2026-11-20 11:02", """
陈小姐，你们送的数量不对，送货单上写的是80台，我们仓库点了只有72台，少了8台，你们先核实一下。少的那部分我们不付。
""", ["我们仓库点了只有72台", "少的那部分我们不付"], {"dispute_reason": "quantity"}, sig=False,
  footer="黄志强 白云电器财务", raw_subject=True)

R(93, "alimail", "dispute", L6, "2026-11-25 10:00", """
陈经理：

关于31000052号发票，设备安装调试至今未通过我司终验收，按合同约定验收合格后才支付该部分货款。\
请贵司尽快安排工程师到现场解决振动超标问题。
""", ["设备安装调试至今未通过我司终验收", "振动超标问题"], {"dispute_reason": "quality"})

R(94, "gmail_en", "dispute", L21, "2026-11-20 14:22", """
Dear Ms Chen,

We dispute invoice 31000090. The unit price charged (USD 41.50) does not match our purchase order PO-77120, \
which states USD 38.90 per piece. Please issue a credit note for the difference; we will pay the undisputed \
part once we receive it.

Kind regards,
Martina Vogt
""", ["We dispute invoice 31000090", "does not match our purchase order"], {"dispute_reason": "price"},
  sig=False, language="en", tz="+0100", sender=("Martina Vogt", "martina.vogt.kessler@gmail.com"))

R(95, "outlook_tw", "dispute", L20, "2026-11-21 09:40", """
陳小姐 您好：

貴司11月出貨之控制板，經本公司進料檢驗，不良率高達6%，已超出合約約定之1%，\
檢驗報告如附件。此批貨款在品質問題解決前暫緩支付。
""", ["不良率高達6%", "此批貨款在品質問題解決前暫緩支付"], {"dispute_reason": "quality"}, charset="big5",
  attach=[("IQC檢驗報告.pdf", "pdf", "rfc2047")])

R(96, "netease", "dispute", L17, "2026-11-21 15:30", """
陈小姐：
这个金额不对吧？我们9月份退了两台主轴回去，你们一直没冲账，账上还挂着。请先把退货冲掉再发对账。
""", ["我们9月份退了两台主轴回去，你们一直没冲账"], {"dispute_reason": "other",
                                             "note": "an unprocessed return: neither quality nor quantity as such"},
  sig=False, footer="刘红", charset="GBK")

R(97, "dingtalk", "dispute", L7, "2026-11-24 09:10", """
陈小姐，
贵司10月28日那批货，我们收货时发现外包装破损，里面有3箱电芯壳体变形，已拍照留证并告知贵司业务。\
问题没解决前这张票先不付。
""", ["有3箱电芯壳体变形", "问题没解决前这张票先不付"], {"dispute_reason": "quality"})

R(98, "iphone", "dispute", L12, "2026-11-24 20:05", """
陈小姐，这单我们有异议，合同写的含税含运费，你们另外收了运费，差价要扣掉，明天我让采购跟你们销售对一下
""", ["这单我们有异议", "你们另外收了运费"], {"dispute_reason": "price"}, footer="发自我的iPhone", sig=False)

R(99, "mailmaster", "dispute", L14, "2026-11-21 08:50", """
陈小姐，这批灯珠我们没下过单啊，订单号对不上，是不是发错客户了？
""", ["这批灯珠我们没下过单啊"], {"dispute_reason": "other", "note": "denies ordering the goods"},
  footer="发自网易邮箱大师", sig=False)

# ========================================================================================================
# document_request (more)
# ========================================================================================================

R(100, "foxmail", "document_request", L23, "2026-11-21 10:15", """
陈小姐：

你好！我们财务入账需要增值税专用发票原件，目前只收到了电子版普票，请贵司重开专票并邮寄，\
地址：常州市武进高新区龙潭路99号 恒立液压财务部 蒋文 收。
""", ["请贵司重开专票并邮寄"])

R(101, "gmail_zh", "document_request", L28, "2026-11-24 09:30", """
陈小姐：

麻烦把对应的合同和送货签收单扫描件发我一下，我们审计要求付款附件齐全，不然流程走不下去。

郑凯
""", ["麻烦把对应的合同和送货签收单扫描件发我一下"], sig=False)

R(102, "outlook_zh", "document_request", L34, "2026-11-19 16:20", """
陈经理：

您好！我司财务共享中心反馈，31000056、31000057两张发票未在系统中查到，请提供发票复印件及对应的验收单，\
我们核实后安排付款。
""", ["请提供发票复印件及对应的验收单"], variant="fullwidth")

R(103, "coremail", "document_request", L16, "2026-11-24 09:15", """
陈小姐：

发票收到了，但是抬头开错了，我们公司全称是"西安西电开关电气有限公司"，你们开成了"西安西电开关有限公司"，\
税号也不对，麻烦作废重开。
""", ["麻烦作废重开"], {"note": "invoice issued with the wrong company name: a document request"})

R(104, "qqmail", "document_request", L32, "2026-11-20 08:40", """
陈小姐早上好，我们这边没收到发票啊，你们开了吗？开了的话麻烦把快递单号发我一下。
""", ["我们这边没收到发票啊"], sig=False, footer="冉小雨", html="html_only")

R(105, "outlook_en", "document_request", L22, "2026-11-24 10:05", """
Hi Xiaowen,

Could you send us a statement of account and copies of the commercial invoice and packing list for 31000112? \
Our auditors need them before we can release the payment.

Thanks and regards,
""", ["Could you send us a statement of account"], language="en", charset="utf-8",
  sender=("Rachel Tan", "rachel.tan@vantagecontrols.sg"))

R(106, "alimail", "document_request", L31, "2026-11-21 11:30", """
陈小姐：

你好，贵司的发票我们上个月就没收到，麻烦补寄一下增值税专用发票，收到后我们马上安排付款。
""", ["麻烦补寄一下增值税专用发票"], match="plus")

R(107, "apple_zh", "document_request", L13, "2026-11-24 15:30", """
陈小姐您好：

我们需要贵司提供一份盖章的对账单，列明每张发票的金额和已付款情况，财务才能走付款流程。

吴佳
""", ["我们需要贵司提供一份盖章的对账单"], sig=False, variant="quoted")

R(108, "thunderbird_zh", "document_request", L11, "2026-11-17 10:30", """
您好：

请提供31000069号发票对应的送货单和质保书，我们档案里缺这两份资料，补齐后才能付款。
""", ["请提供31000069号发票对应的送货单和质保书"])

R(109, "outlook_hk", "document_request", L19, "2026-11-23 11:45", """
陳小姐：

請提供發票31000107之正本及送貨單副本，本公司須核對後方可安排付款。謝謝！
""", ["請提供發票31000107之正本及送貨單副本"], charset="big5")

R(110, "netease", "document_request", L29, "2026-11-21 09:00", """
陈小姐：
发票丢了，麻烦开个发票丢失证明或者给一份记账联复印件盖章，我们好入账。
""", ["麻烦开个发票丢失证明"], sig=False, footer="邵丹", charset="GBK")

# ========================================================================================================
# installment_request (more)
# ========================================================================================================

R(111, "coremail", "installment_request", L27, "2026-11-18 15:40", """
陈小姐：

您好！我司目前资金周转困难，贵司这笔款想申请分期支付：2026年12月付30万，2027年1月付30万，\
剩余部分2027年3月底前付清。如贵司同意，我们可以签订还款协议。
""", ["想申请分期支付", "我们可以签订还款协议"], {"note": "an instalment proposal, not a promise: the plan needs our consent"})

R(112, "foxmail", "installment_request", L35, "2026-11-24 16:45", """
陈小姐：

这笔款一次付压力比较大，能不能分三个月付？每月付四万多一点，您看行不行。
""", ["能不能分三个月付"])

R(113, "qqmail", "installment_request", L5, "2026-11-19 10:30", """
陈小姐你好，跟你商量个事，这笔钱我们能不能分两次付，这个月付一半，下个月付一半？最近回款太慢了。
""", ["我们能不能分两次付"], sig=False, raw_subject=True, footer="黄志强")

R(114, "gmail_en", "installment_request", L22, "2026-11-20 09:45", """
Dear Xiaowen,

We are going through a tight cash position this quarter. Would it be possible to split the outstanding amount \
into three monthly payments (December, January and February)? We can sign a payment plan if required.

Best,
Rachel
""", ["split the outstanding amount into three monthly payments"], sig=False, language="en")

R(115, "alimail", "installment_request", L6, "2026-11-23 17:20", """
陈经理：

您好！今年我司订单大幅减少，资金压力很大，贵司的欠款我们申请按6个月分期偿还，\
每月月底支付约21万元，首期从12月开始。请贵司领导考虑。
""", ["申请按6个月分期偿还"], html="html_only")

R(116, "outlook_zh", "installment_request", L25, "2026-11-20 14:30", """
陈经理：

我们想申请分期付款，麻烦贵司出一份还款协议草稿，我们这边走法务审核。
""", ["我们想申请分期付款", "麻烦贵司出一份还款协议草稿"], variant="original")

R(117, "dingtalk", "installment_request", L26, "2026-11-25 11:40", """
陈小姐，
6万7千多能不能分三期，12月、1月、2月各付一期？
""", ["能不能分三期"])

R(118, "netease", "installment_request", L9, "2026-11-17 09:20", """
陈女士：
您好，这笔款我们一次性付不了，能否先付一部分，剩下的分两个月付完？具体金额可以电话沟通。
""", ["剩下的分两个月付完"], sig=False, footer="刘镕 13707185562", charset="GBK")

R(119, "outlook_tw", "installment_request", L20, "2026-11-25 10:20", """
Dear Ms Chen,

Due to our customer's delayed payment, we would like to request paying the remaining balance in two \
instalments, in December and January. Please advise if this is acceptable.

Best regards,
""", ["paying the remaining balance in two instalments"], charset="big5", language="en")

# ========================================================================================================
# hardship (more)
# ========================================================================================================

R(120, "outlook_zh", "hardship", L12, "2026-11-25 10:50", """
陈小姐：

非常抱歉，我们公司这两个月订单基本停了，工资都是借钱发的，贵司的款暂时真的付不出来。\
等项目款回来，我们一定优先安排。
""", ["贵司的款暂时真的付不出来"], variant="noline_date", sender=("孙伟", "sunwei@yutong-zg.com"))

R(121, "foxmail", "hardship", L2, "2026-11-19 17:00", """
陈经理：

我们的大客户一直拖着不付款，我们现在也是被欠款，资金链非常紧张，实在没办法按时付款，请再给我们一些时间。
""", ["我们现在也是被欠款", "实在没办法按时付款"])

R(122, "coremail", "hardship", L33, "2026-11-26 17:15", """
陈小姐：

现在公司账上没钱，老板说等客户货款回来再付，具体时间定不了，抱歉。
""", ["现在公司账上没钱", "具体时间定不了"])

R(123, "gmail_en", "hardship", L22, "2026-11-30 10:00", """
Hi Xiaowen,

I'm afraid we cannot make any payment this month. Our main customer has gone into judicial management and we \
are waiting for their administrator. I'll update you as soon as we have clarity.

Rachel
""", ["we cannot make any payment this month"], sig=False, language="en")

R(124, "qqmail", "hardship", L24, "2026-11-24 19:30", """
陈小姐，实在不好意思，我们公司最近被银行抽贷，账户资金冻结了，这笔款暂时付不了，等解冻了马上付。
""", ["这笔款暂时付不了"], sig=False, footer="俞晓\n浙江三花智能控制股份有限公司 财务部", raw_subject=True)

R(125, "alimail", "hardship", L31, "2026-11-23 09:40", """
陈小姐：

今年电商渠道回款很慢，我们资金比较紧张，这笔款可能要延后一段时间，还请多多包涵。
""", ["这笔款可能要延后一段时间"])

R(126, "iphone", "hardship", L7, "2026-11-29 21:50", """
陈小姐，跟您说实话，公司现在真没钱，项目款被业主卡着，我也是每天被供应商催，能拖一天是一天，抱歉
""", ["公司现在真没钱"], footer="发自我的iPhone", sig=False)

R(127, "outlook_en", "hardship", L21, "2026-11-23 08:15", """
Dear Ms Chen,

Kessler has filed for preliminary insolvency proceedings at the Goeppingen local court. All payments to \
creditors are suspended until the insolvency administrator has been appointed. You will receive formal notice.

Regards,
""", ["All payments to creditors are suspended"], tz="+0100", language="en")

R(128, "mailmaster", "hardship", L17, "2026-11-23 19:05", """
陈小姐，最近厂里停产了，钱都压在库存上，这个月确实付不了，过完年再说吧
""", ["这个月确实付不了"], footer="发自网易邮箱大师", sig=False,
  labels={"note": "过完年再说 is no promise: hardship"})

# ========================================================================================================
# statement_confirmed (more)
# ========================================================================================================

R(129, "foxmail", "statement_confirmed", L18, "2026-11-25 16:30", """
陈小姐：

对账单已确认，截止10月31日余额无误，盖章版附件请查收。
""", ["对账单已确认"], attach=[("对账单-龙腾光电-已盖章.pdf", "pdf", "rfc2047")])

R(130, "outlook_zh", "statement_confirmed", L30, "2026-11-23 17:40", """
陈小姐：

贵司发来的对账函我司已核对，金额一致，已加盖财务专用章，扫描件如附件，原件随后寄回。
""", ["金额一致，已加盖财务专用章"], attach=[("对账函回执.jpg", "jpg", "rfc2047")], variant="fullwidth")

R(131, "qqmail", "statement_confirmed", L32, "2026-11-19 15:20", """
陈小姐，对账单核对过了，没问题，已经签字盖章，拍照发你。
""", ["对账单核对过了，没问题"], sig=False, footer="冉小雨", attach=[("mmexport1795070612345.jpg", "jpg", "rfc2047")],
  raw_subject=True)

R(132, "gmail_en", "statement_confirmed", L22, "2026-11-25 17:00", """
Hi Xiaowen,

We have reconciled the statement and confirm the balance as of 31 October 2026. The signed statement is \
attached.

Rachel
""", ["We have reconciled the statement and confirm the balance"], sig=False, language="en",
  attach=[("Signed_Statement_Vantage.pdf", "pdf", "rfc2231")])

R(133, "netease", "statement_confirmed", L9, "2026-11-18 10:40", """
陈女士：
对账单已核对，余额相符，签章版见附件。
""", ["余额相符"], sig=False, footer="刘镕", charset="GBK", attach=[("对账单.pdf", "pdf", "rfc2231")])

R(134, "dingtalk", "statement_confirmed", L26, "2026-11-25 09:30", """
陈小姐，
询证函已盖章回寄，快递单号 SF1188 2736 4410，扫描件附上，请查收。
""", ["询证函已盖章回寄"], attach=[("询证函-时代新材.pdf", "pdf", "rfc2231")],
  labels={"note": "an audit confirmation (询证函) signed and returned: an acknowledgment of the debt"})

R(135, "outlook_zh", "statement_confirmed", L1, "2026-11-23 11:00", """
陈小姐：

对账单我们核对了，余额一致，已签字盖章，见附件。另外31000124的发票还没收到，麻烦补寄。
""", ["对账单我们核对了，余额一致"], attach=[("对账单签章.pdf", "pdf", "rfc2047")],
  labels={"note": "statement confirmed and an invoice asked for: the acknowledgment decides (it interrupts "
                  "limitation); the invoice request is also in reply 33"})

R(136, "coremail", "statement_confirmed", L4, "2026-11-21 14:10", """
陈小姐好，
截至2026年10月31日往来余额我们已经核对，确认无误，盖章回函附后。
""", ["确认无误，盖章回函附后"], attach=[("回函.pdf", "pdf", "rfc2047")], broken=True,
  labels={"note": "broken MIME: the closing boundary of the multipart is missing"})

R(137, "alimail", "statement_confirmed", L6, "2026-11-24 10:20", """
陈经理：

贵司11月的对账单已核对，我司确认截至2026年10月31日应付贵司余额，签字盖章的对账单扫描件已上传附件。
""", ["我司确认截至2026年10月31日应付贵司余额"], attach=[("先导智能对账单确认.pdf", "pdf", "rfc2231")])

# ========================================================================================================
# auto_reply (more)
# ========================================================================================================

R(138, "foxmail", "auto_reply", L2, "2026-11-18 09:30", """
您好，您的邮件我已收到，我会尽快处理并回复您。
""", ["您的邮件我已收到"], quote=False, sig=False, subject="自动回复：【催款函】上海华东机电设备有限公司 应收账款 [AR-2026-0043]",
  extra_headers=["Auto-Submitted: auto-replied", "X-Autoreply: yes"])

R(139, "alimail", "auto_reply", L31, "2026-11-20 14:30", """
您好！本人于11月20日至12月4日休产假，期间不能及时回复邮件，财务相关事务请联系孙丽 sunli@robam.com。谢谢！
""", ["本人于11月20日至12月4日休产假"], {"return_date": "2026-12-05", "note": "away until 12-04 inclusive"},
  quote=False, sig=False, subject="自动回复：【催款函】上海华东机电设备有限公司 应收账款 [AR-2026-0107]",
  extra_headers=["Auto-Submitted: auto-replied", "Precedence: auto_reply"])

R(140, "outlook_zh", "auto_reply", L34, "2026-11-18 10:10", """
您好！我正在休年假，12月1日回来上班。如有急事请拨打0991-3767 900。
""", ["12月1日回来上班"], {"return_date": "2026-12-01"}, quote=False, sig=False, html="html_only",
  subject="自动答复: 【催款函】上海华东机电设备有限公司 应收账款 [AR-2026-0112]",
  extra_headers=["Auto-Submitted: auto-generated", "X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent",
                 "X-MS-Exchange-Organization-AutoReplied: true"], exchange_id=True, charset="utf-8")

R(141, "gmail_en", "auto_reply", L22, "2026-11-23 09:01", """
Hi, I'm on leave until Monday 30 November with no access to email. For anything urgent please write to \
finance@vantagecontrols.sg.
""", ["I'm on leave until Monday 30 November"], {"return_date": "2026-11-30"}, quote=False, sig=False,
  subject="Out of Office Re: Payment reminder [AR-2026-0089] Shanghai Huadong Electromechanical Equipment Co., Ltd.",
  extra_headers=["Auto-Submitted: auto-replied"], language="en")

R(142, "coremail", "auto_reply", L4, "2026-11-20 09:02", """
您好，我已离职，相关工作已交接给徐丽（xuli@sunnyoptical.com），请与她联系。
""", ["我已离职"], quote=False, sig=False, subject="自动回复: 【催款函】上海华东机电设备有限公司 应收账款 [AR-2026-0051]",
  extra_headers=["X-Autoreply: yes"], sender=("张伟", "zhangwei@sunnyoptical.com"),
  labels={"note": "the auto-reply of a clerk who has left names her successor"})

R(143, "qqmail", "auto_reply", L24, "2026-11-23 10:21", """
您好，我现在不方便回复邮件，稍后联系您。
""", ["我现在不方便回复邮件"], quote=False, sig=False,
  subject="自动回复: 【催款函】上海华东机电设备有限公司 应收账款 [AR-2026-0093]", raw_subject=True,
  labels={"note": "only the subject says it is automatic"})

R(144, "outlook_en", "auto_reply", L19, "2026-11-20 10:00", """
I am currently out of the office with limited access to email and will return on 3 December 2026.
""", ["will return on 3 December 2026"], {"return_date": "2026-12-03"}, quote=False, sig=False,
  subject="Automatic reply: Payment reminder [AR-2026-0085] Shanghai Huadong Electromechanical Equipment Co., Ltd.",
  extra_headers=["Auto-Submitted: auto-generated", "X-MS-Exchange-Inbox-Rules-Loop: kh.leung@shunwo.com.hk"],
  language="en")

R(145, "dingtalk", "auto_reply", L7, "2026-11-23 11:20", """
【自动回复】您好，邮件已收到。本人出差中，将于2026年11月30日返回，紧急事项请致电0551-6210 0300。
""", ["将于2026年11月30日返回"], {"return_date": "2026-11-30"}, quote=False, sig=False,
  subject="自动回复:【催款函】上海华东机电设备有限公司 应收账款 [AR-2026-0060]",
  extra_headers=["Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All"])

R(146, "outlook_tw", "auto_reply", L20, "2026-11-19 16:00", """
您好，我目前休假中，將於12月2日返回辦公室。如有緊急事項，請聯絡財務部 林小姐 (分機 216)。
""", ["將於12月2日返回辦公室"], {"return_date": "2026-12-02"}, quote=False, sig=False, charset="big5",
  subject="自動回覆: Payment reminder [AR-2026-0086] Shanghai Huadong Electromechanical Equipment Co., Ltd.",
  extra_headers=["Auto-Submitted: auto-generated"])

R(147, "netease", "auto_reply", L17, "2026-11-20 09:40", """
这是一封自动回复邮件。您好，您的来信已收到，我将尽快给您回复。
""", ["这是一封自动回复邮件"], quote=False, sig=False,
  subject="自动回复：【催款函】上海华东机电设备有限公司 应收账款 [AR-2026-0081]",
  extra_headers=["Precedence: auto_reply"], charset="GBK")

R(148, "mailmaster", "auto_reply", L14, "2026-11-20 11:12", """
您好，我近期休假，邮件可能无法及时回复，12月7日起恢复正常。
""", ["12月7日起恢复正常"],
  {"return_date": "2026-12-07", "note": "an ordinary 'Re:' subject: only Auto-Submitted says it is automatic"},
  quote=False, sig=False, subject="Re: 【催款函】上海华东机电设备有限公司 应收账款 [AR-2026-0075]",
  extra_headers=["Auto-Submitted: auto-replied"])

# ========================================================================================================
# other (more)
# ========================================================================================================

R(149, "foxmail", "other", L8, "2026-11-24 09:40", """
陈小姐：

收到，我跟领导汇报一下，有结果再回复您。
""", ["我跟领导汇报一下"], charset="gb2312")

R(150, "outlook_zh", "other", L25, "2026-11-20 08:55", """
陈小姐：

您好！请问贵司收款账户是否有变更？我们系统里登记的是工商银行，函件里写的是招商银行，\
为避免付错，请贵司出具盖章的账户变更说明。
""", ["请问贵司收款账户是否有变更"], variant="noline_cc",
  labels={"note": "a question about our bank account (fraud check): neither a promise nor a document request "
                  "for the debt itself"})

R(151, "gmail_zh", "other", L10, "2026-11-21 09:00", """
陈小姐：

邮件收到了，这个事情我不太清楚，已经转给负责应付的同事林雅婷，她会跟您联系。

谢谢
王珊
""", ["已经转给负责应付的同事林雅婷"], sig=False, sender=("王珊", "wangshan.hf@gmail.com"))

R(152, "qqmail", "other", L5, "2026-11-17 17:05", """
收到
""", ["收到"], sig=False, raw_subject=True, footer="发自我的iPhone")

R(153, "outlook_en", "other", L21, "2026-11-20 11:00", """
Dear Ms Chen,

Please note that as of 1 December our accounts payable are handled by our shared service centre in Poland. \
Kindly send all future invoices and reminders to ap.ssc@kessler-drives.de.

Regards,
""", ["our accounts payable are handled by our shared service centre"], tz="+0100", language="en")

R(154, "coremail", "other", L16, "2026-11-24 08:30", """
陈小姐：

请问贵司12月份的开票资料有变化吗？我们这边要更新供应商信息表，麻烦发一份最新的开票信息。
""", ["麻烦发一份最新的开票信息"], match="sender", quote=False, subject="供应商信息更新",
  labels={"note": "a new mail with no reference to the dunning (matched by sender domain): asks for our "
                  "billing details, not a document of the debt"})

R(155, "alimail", "other", L23, "2026-11-26 10:00", """
陈小姐：

下周二我们采购和财务一起去贵司拜访，当面把账对一下，方便的话请安排一下会议室。
""", ["下周二我们采购和财务一起去贵司拜访"],
  labels={"note": "a meeting date is not a promise to pay"})

R(156, "iphone", "other", L12, "2026-11-23 12:30", """
陈小姐，我在外面，晚点回办公室给您回电话
""", ["晚点回办公室给您回电话"], footer="发自我的iPhone", sig=False)

R(157, "thunderbird_zh", "other", L11, "2026-11-16 11:00", """
您好，

这个邮件是不是发错了？我们是712通信的采购部，付款的事情请联系财务部赵海燕 zhaohy@712.cn。
""", ["这个邮件是不是发错了"], sig=False, sender=("钱文", "qianwen@712.cn"), footer="钱文 | 采购部")

R(158, "gmail_tw", "other", L20, "2026-11-19 17:30", """
陳小姐您好：

已收到貴司來信，我會轉交本公司會計部門處理，謝謝。

陳怡君
""", ["我會轉交本公司會計部門處理"], sig=False)

# ========================================================================================================
# Delivery reports about our letters (bounce)
# ========================================================================================================

def B(n: int, client: str, letter: Letter, when: str, data: bytes, match: str, recipients: list[tuple[str, str]],
      invalid: list[str], note: str, language: str = "en", charset: str = "us-ascii") -> None:
    WRITTEN_BOUNCES.append({"n": n, "client": client, "intent": "bounce", "bytes": data,
                            "labels": bounce_label(n, client, letter, when, match, recipients, invalid, note,
                                                   language, charset)})


QQ_HELP = "http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000728"

B(159, "postfix", L1, "2026-11-20 10:12", postfix_dsn(159, L1, "2026-11-20 10:12", [
    ("liuyang@csot.com.cn", "5.1.1", "mx1.csot.com.cn[120.86.70.12]",
     "550 5.1.1 <liuyang@csot.com.cn>: Recipient address rejected: User unknown in virtual mailbox table")]),
  "thread", [("liuyang@csot.com.cn", "5.1.1")], ["liuyang@csot.com.cn"],
  "our MTA's DSN; the returned letter carries our Message-ID (the case is found from it)")

B(160, "postfix", L32, "2026-11-19 11:00", postfix_dsn(160, L32, "2026-11-19 11:00", [
    ("3958120047@qq.com", "5.0.0", "mx3.qq.com[157.255.173.190]", f"550 Mailbox not found. {QQ_HELP}")]),
  "thread", [("3958120047@qq.com", "5.0.0")], ["3958120047@qq.com"],
  "QQ answers without an enhanced code, so Postfix writes 5.0.0; 'Mailbox not found' makes the address invalid")

B(161, "exmail", L11, "2026-11-16 09:51", exmail_bounce(161, L11, "2026-11-16 09:51", "caiwu@712.cn",
                                                        "收件人地址不存在",
                                                        "host mx.712.cn[221.238.10.5] said: 550 5.1.1 <caiwu@712.cn>: "
                                                        "Recipient address rejected: User unknown"),
  "subject", [("caiwu@712.cn", "5.1.1")], ["caiwu@712.cn"],
  "Tencent Exmail's Chinese bounce: no delivery-status part; recipient and status come from the text; the case "
  "from the original subject", language="zh", charset="utf-8")

B(162, "netease_dsn", L29, "2026-11-20 15:21", coremail_bounce(
    162, L29, "2026-11-20 15:21", "xyl_caiwu@126.com", "对方邮箱已满", "5.2.2",
    "552 Requested mail action aborted: exceeded mailbox quota (mailbox full)", "qiye.163.com"),
  "thread", [("xyl_caiwu@126.com", "5.2.2")], [],
  "NetEase Qiye 系统退信 (GBK); mailbox full: the address itself is fine; the case from the returned headers",
  language="zh", charset="gbk")

B(163, "aliyun", L4, "2026-11-20 09:03", aliyun_bounce(
    163, L4, "2026-11-20 09:03", "finance@sunnyopitcal.com", "收件人域名不存在（DNS解析失败）", "5.4.4",
    "Host or domain name not found. Name service error for name=sunnyopitcal.com type=MX: Host not found"),
  "thread", [("finance@sunnyopitcal.com", "5.4.4")], ["finance@sunnyopitcal.com"],
  "Alibaba Mail 退信通知 for a misspelt domain (sunnyopitcal): no such domain; the case from the returned "
  "headers", language="zh", charset="utf-8")

B(164, "postfix", L7, "2026-11-23 14:25", postfix_dsn(164, L7, "2026-11-23 14:25", [
    ("caiwu@gotion.com.cn", "4.4.1", "mx.gotion.com.cn[61.191.24.80]",
     "connect to mx.gotion.com.cn[61.191.24.80]:25: Connection timed out")], delayed=True),
  "thread", [("caiwu@gotion.com.cn", "4.4.1")], [],
  "a delay warning (Action: delayed, 4.4.1): temporary, the letter may still arrive")

B(165, "exchange_online", L25, "2026-11-19 09:46", exchange_ndr(
    165, L25, "2026-11-19 09:46", "wangli@boe.com.cn", "5.1.10",
    "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient wangli@boe.com.cn not found by SMTP address lookup",
    "boe.com.cn"),
  "thread", [("wangli@boe.com.cn", "5.1.10")], ["wangli@boe.com.cn"],
  "Exchange Online NDR in Chinese; also carries In-Reply-To of our letter", language="zh", charset="utf-8")

B(166, "postfix", L5, "2026-11-17 16:41", postfix_dsn(166, L5, "2026-11-17 16:41", [
    ("2836410957@qq.com", "5.0.0", "mx3.qq.com[157.255.173.190]",
     "550 Ip frequency limited [V2VkIE5vdiAxOCAxNjo0MTowMiAyMDI2]. "
     "http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000725")]),
  "thread", [("2836410957@qq.com", "5.0.0")], [],
  "QQ frequency limit: our sending problem, the address is good (the same person replies in other files)")

B(167, "postfix", L17, "2026-11-20 09:41", postfix_dsn(167, L17, "2026-11-20 09:41", [
    ("jier_liuhong@126.com", "5.0.0", "126mx01.mxmail.netease.com[220.181.15.112]",
     "554 DT:SPM 126 smtp1,C8mowAAHLrXyHJ9nWJNaAQ--.14205S2 1795574461, please see "
     "http://mail.163.com/help/help_spam_16.htm?ip=203.0.113.25&hostid=mail&time=1795574461")]),
  "thread", [("jier_liuhong@126.com", "5.0.0")], [],
  "NetEase rejected the letter as spam (DT:SPM): our problem, not the address")

B(168, "postfix", L27, "2026-11-16 10:01", postfix_dsn(168, L27, "2026-11-16 10:01", [
    ("caiwu@dhidcw.com", "5.1.1", "mail.dhidcw.com[218.25.17.66]",
     "550 5.1.1 <caiwu@dhidcw.com>: Recipient address rejected: User unknown in local recipient table"),
    ("zhangli@dhidcw.com", "5.1.1", "mail.dhidcw.com[218.25.17.66]",
     "550 5.1.1 <zhangli@dhidcw.com>: Recipient address rejected: User unknown in local recipient table")]),
  "thread", [("caiwu@dhidcw.com", "5.1.1"), ("zhangli@dhidcw.com", "5.1.1")],
  ["caiwu@dhidcw.com", "zhangli@dhidcw.com"], "two bad recipients of one letter (the third was delivered)")

# ========================================================================================================
# Hong Kong and Taiwan (more)
# ========================================================================================================

R(169, "outlook_hk", "statement_confirmed", L19, "2026-11-24 16:05", """
陳小姐：

貴司寄來之對賬單經本公司核對無誤，已簽署蓋章，掃描本見附件。
""", ["經本公司核對無誤，已簽署蓋章"], charset="big5", attach=[("對賬單確認.pdf", "pdf", "rfc2047")])

R(170, "outlook_hk", "paid", L19, "2026-12-07 17:20", """
Dear Ms Chen,

Please be informed that we have remitted HKD 50,000 today via HSBC (our ref. HK-TT-771502). \
The bank advice is attached for your reference.

Best regards,
""", ["we have remitted HKD 50,000 today via HSBC", "HK-TT-771502"],
  {"amount": "50000.00", "paid_date": "2026-12-07", "reference": "HK-TT-771502", "currency": "HKD"},
  charset="utf-8", language="en", attach=[("HSBC_Advice_20261207.pdf", "pdf", "rfc2231")])

R(171, "gmail_tw", "promise_to_pay", L20, "2026-11-27 10:15", """
陳小姐您好：

剩餘款項美金11,730元，本公司預計下週三匯出，屆時再提供水單。

陳怡君
""", ["本公司預計下週三匯出"], {"promises": [P("2026-12-02", "11730.00")], "currency": "USD",
                             "note": "下週三 (traditional characters) on Fri 2026-11-27 → 2026-12-02"},
  sig=False)

R(172, "gmail_tw", "document_request", L20, "2026-11-20 09:20", """
陳小姐您好：

本公司會計需要貴司的商業發票及裝箱單正本，才能辦理付款，麻煩寄送至新竹科學園區研發二路8號 財務部 陳怡君收。

謝謝！
陳怡君
""", ["麻煩寄送至新竹科學園區研發二路8號"], sig=False, cte="quoted-printable")

R(173, "qqmail", "promise_to_pay", L32, "2026-11-24 12:30", """
陈小姐中午好！款我们这周五付一万，剩下的下周五付清。
""", ["款我们这周五付一万，剩下的下周五付清"],
  {"promises": [P("2026-11-27", "10000.00"), P("2026-12-04", None)],
   "note": "raw 8-bit UTF-8 subject (QQ Mail app); 这周五 on Tue 2026-11-24 → 11-27, 下周五 → 12-04"},
  sig=False, footer="冉小雨", raw_subject=True, charset="utf-8")

# ========================================================================================================
# How some replies were addressed. Most clients keep In-Reply-To/References; these did not: a reply written
# from the mobile app or webmail that drops the thread headers (only the plus address of our Reply-To
# survives, or only the [AR-...] in the subject when the debtor wrote to our plain address), and new mails
# that mention no case at all (the case is found from the sender's address or domain).
# ========================================================================================================

ADDRESSING: dict[int, dict[str, Any]] = {
    10: {"match": "plus"}, 38: {"match": "plus"}, 101: {"match": "plus"}, 131: {"match": "plus"},
    117: {"match": "plus"}, 28: {"match": "plus"},
    31: {"match": "subject"}, 45: {"match": "subject"}, 104: {"match": "subject"}, 122: {"match": "subject"},
    151: {"match": "subject"}, 30: {"match": "subject"},
    125: {"match": "sender", "quote": False, "subject": "关于贵司货款"},
    100: {"match": "sender", "quote": False, "subject": "发票事宜"},
    41: {"match": "sender", "quote": False, "subject": "情况说明"},
    150: {"match": "sender", "quote": False, "subject": "收款账户确认"},
    98: {"match": "sender", "quote": False, "subject": "运费的问题"},
    134: {"match": "sender", "quote": False, "subject": "询证函已回寄"},
}
for _reply in REPLIES:
    for _key, _value in ADDRESSING.get(_reply.n, {}).items():
        setattr(_reply, _key, _value)

# ========================================================================================================
# A few more, added for forms the rest lacks
# ========================================================================================================

R(174, "gmail_zh", "paid", L28, "2026-12-08 16:35", """
陈小姐：

今天已付¥20,000.00，余款¥9,980.00按之前约定的时间付。回单见附件。

郑凯
""", ["今天已付¥20,000.00"], {"amount": "20000.00", "paid_date": "2026-12-08",
                            "note": "half-width ¥ (U+00A5) in a UTF-8 mail; the rest refers to reply 067's promise without its date"},
  sig=False, attach=[("回单-星网锐捷-20261208.pdf", "pdf", "rfc2231")])

R(175, "coremail", "paid", L9, "2026-11-17 10:05", """
陈女士：

你们函里的31000080号发票，我们3月15日已付过一笔￥46,000.00，当时是分两次付的，\
请你们财务核对一下收款记录，别重复催了。
""", ["我们3月15日已付过一笔￥46,000.00"],
  {"amount": "46000.00", "paid_date": "2026-03-15",
   "note": "3月15日 said in November about a payment: the last such date, 2026-03-15"},
  sender=("刘镕", "liurong@raycuslaser.com"), charset="gb2312")

R(176, "outlook_en", "promise_to_pay", L16, "2026-11-25 09:20", """
陈小姐，

我们本周内先付五万，剩余的下周三前安排。

马骏
""", ["我们本周内先付五万"], {"promises": [P("2026-11-27", "50000.00"), P("2026-12-02", None)],
                          "note": "a Chinese clerk on an English Outlook: From/Sent/To/Subject quote header; "
                                  "本周内 on Wed 11-25 → Fri 11-27; 下周三 → 12-02"},
  sig=False, charset="gb2312", cte="base64", variant="original")

R(177, "outlook_zh", "promise_to_pay", L35, "2026-11-26 10:10", """
陈小姐：

您好，OA流程已经走完了，预计12月9号左右付8万，其余的再等通知。
""", ["预计12月9号左右付8万"], {"promises": [P("2026-12-09", "80000.00")], "note": "左右 (about) still dates it"},
  variant="noline_cc")

R(178, "qqmail", "paid", L24, "2026-12-01 11:02", """
陈姐，钱打过去了哈，六万二，您查收一下～剩下的过段时间再付
""", ["钱打过去了哈，六万二"],
  {"amount": "62000.00", "note": "no payment date: paid_date null; '过段时间再付' is no dated promise"},
  sig=False, raw_subject=True, footer="俞晓")

R(179, "foxmail", "dispute", L31, "2026-11-22 14:30", """
陈小姐：

你们31000100号发票开的数量是500件，我们仓库入库单只有480件，差了20件。请核实后按实际数量重开发票，\
数量对上之前我们没法付款。
""", ["我们仓库入库单只有480件，差了20件"], {"dispute_reason": "quantity"}, charset="gb2312")

R(180, "coremail", "document_request", L26, "2026-11-25 15:05", """
陈小姐：

麻烦提供一下发票清单和每批货的送货签收单，我们年底审计要逐笔核对，资料齐了就付。
""", ["麻烦提供一下发票清单和每批货的送货签收单"])

R(181, "alimail", "installment_request", L33, "2026-11-24 11:15", """
陈小姐：

你好！这笔款能不能按季度分期付？每季度末付三分之一，明年二季度前付清。麻烦跟领导请示一下。
""", ["这笔款能不能按季度分期付"])

R(182, "gmail_en", "hardship", L20, "2026-11-21 10:30", """
Dear Ms Chen,

I regret to inform you that our bank accounts have been frozen pending a tax investigation, and we are unable \
to make any payments until this is resolved. We will contact you as soon as we are able to pay.

Yi-Chun
""", ["we are unable to make any payments until this is resolved"], sig=False, language="en",
  sender=("Yi-Chun Chen", "yichun.chen@lianying.com.tw"))

R(183, "outlook_en", "promise_to_pay", L22, "2026-11-26 09:10", """
Hi Xiaowen,

We'll wire the full balance on Dec 3. Sorry again for the delay.

Regards,
Rachel
""", ["We'll wire the full balance on Dec 3"],
  {"promises": [P("2026-12-03", None)], "note": "'the full balance' is not an amount she writes"},
  sig=False, language="en", tz="+0800", sender=("Rachel Tan", "rachel.tan@vantagecontrols.sg"))

R(184, "netease", "statement_confirmed", L29, "2026-11-23 09:45", """
陈小姐：
余额确认无误，已在对账单上签字盖章，附件是扫描件，原件这周寄回。
""", ["余额确认无误，已在对账单上签字盖章"], sig=False, footer="邵丹", charset="GBK",
  attach=[("对账单扫描.jpg", "jpg", "rfc2047")])

R(185, "dingtalk", "other", L7, "2026-11-25 14:00", """
陈小姐，
补寄的发票已经收到了，谢谢。
""", ["补寄的发票已经收到了"], {"note": "acknowledges receipt of a document: no payment statement"})

R(186, "iphone", "promise_to_pay", L12, "2026-11-30 08:40", """
陈小姐早，剩下的6万8千9周四前付掉
""", ["剩下的6万8千9周四前付掉"], {"promises": [P("2026-12-03", "68900.00")],
                              "note": "周四 on Mon 2026-11-30 → Thu of the current week, 2026-12-03"},
  footer="发自我的iPhone", sig=False)

R(187, "thunderbird_zh", "other", L11, "2026-11-17 09:10", """
您好，

请问邮件里的案件编号AR-2026-0068是什么意思？是不是你们已经走法律程序了？
""", ["请问邮件里的案件编号"], {"note": "a question: neither a promise nor a dispute"})

R(188, "mailmaster", "paid", L14, "2026-12-01 09:30", """
陈小姐，上周五付了3万，流水号后四位8821，剩下的我再催催领导
""", ["上周五付了3万"], {"amount": "30000.00", "paid_date": "2026-11-27",
                        "note": "上周五 on Tue 2026-12-01 → Fri of the previous week, 2026-11-27"},
  footer="发自网易邮箱大师", sig=False)

R(189, "foxmail", "paid", L7, "2026-12-14 10:25", """
陈小姐：

剩余的贰拾叁万贰仟柒佰伍拾元今天上午已电汇，电汇凭证见附件，请查收。至此我司与贵司该笔货款已全部结清。
""", ["剩余的贰拾叁万贰仟柒佰伍拾元今天上午已电汇"],
  {"amount": "232750.00", "paid_date": "2026-12-14", "note": "gb2312 label; GBK-only 昇 in the signature"},
  charset="gb2312", attach=[("电汇凭证.pdf", "pdf", "rfc2047")])

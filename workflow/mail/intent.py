"""What a debtor's reply says (its intent) and the facts in it: promises, payment, reference, reason.

Input: the NEW text only (``quotes.strip_reply``), already cleaned for matching, and the day the
message was sent in Asia/Shanghai (relative dates are resolved against it). Rules are cue
patterns in Chinese and English per intent; when a reply says several things, the intent is the
one that decides the case's next step, in this order:

    dispute > installment_request > promise_to_pay (dated, unconditional) > statement_confirmed
    > hardship > document_request > paid > promise_to_pay (undated) > other

so a dated promise outranks a report of a part already paid, and a promise made on a condition
("收到发票后一周内付款", "once we receive the invoice") is not a promise: the condition decides.

The confidence is not a probability from a model; it is how clear the reply was, built so a
threshold means something: one intent with two or more cues and the facts it needs (a promise
with its date) scores ≥ 0.85; an intent whose cues compete with another's, an undated promise,
or a reply with no cue at all scores below 0.7 and is left for a clerk.

Pure functions: no I/O, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from workflow.amounts import AmountUnreadable, parse_chinese_number, parse_money_text, strip_currency
from workflow.mail.when import Found, find_dates

INTENTS = ("promise_to_pay", "paid", "dispute", "document_request", "installment_request", "hardship",
           "statement_confirmed", "auto_reply", "bounce", "other")

_I = re.IGNORECASE

# Traditional → simplified for the characters the rules use, one character for one, so positions in
# the matching copy are positions in the reply (zh-TW / zh-HK replies meet the same rules)
_T2S = str.maketrans(
    "貴發請於匯轉帳賬單貨質檢驗問題暫緩將會還確認無誤號週禮結給對額萬億資緊張難戶時間後錢經營議爭約訂購數價錯開補據"
    "備簽蓋複掃這個內來們與準協計劃現產廠運氣電頭稅並從讓說謝務處已負責欠餘剩筆項款並條擬達過實際應當須該業標驗貨齊"
    "聯繫絡寄遞郵遲延緩寬限進貸凍區條層級鑑證錄覆書據總辦審閱幣",
    "贵发请于汇转账账单货质检验问题暂缓将会还确认无误号周礼结给对额万亿资紧张难户时间后钱经营议争约订购数价错开补据"
    "备签盖复扫这个内来们与准协计划现产厂运气电头税并从让说谢务处已负责欠余剩笔项款并条拟达过实际应当须该业标验货齐"
    "联系络寄递邮迟延缓宽限进贷冻区条层级鉴证录复书据总办审阅币",
)

_PAID = re.compile(
    r"已(?:经)?(?:[于在][^，。,；;]{0,20})?(?:通过[^，。,；;]{0,15})?(?:全额|全部|足额)?(?:付款|支付|付清|结清|还清|汇款|汇出|转账|转出|"
    r"打款|付了|汇了|转了|打了|付过|支付了|汇入|电汇|背书|付出|付|汇)|"
    r"(?:款|钱|万|元|承兑|汇票|票据|\d)[^，。,；;！!]{0,10}已经?[^，。,；;！!]{0,6}(?:转给|汇给|打给|付给|背书)|(?<![会将要能再])(?:付|汇|转|打)了(?!解)|"
    r"款(?:项)?已(?:经)?(?:全部|全额)?(?:付|支付|汇|转|打|结清)|(?:打|转|汇|付)过去了|(?:打|转|汇)给你们了|付款已(?:完成|办理|成功)|已完成(?:付款|支付|转账)|"
    r"(?:水单|银行回单|付款回单|付款凭证|转账凭证|汇款凭证|电汇凭证|付款截图|转账截图|回单)|"
    r"\b(?:have|has|had)\s+(?:already\s+)?(?:been\s+)?(?:paid|settled|transferred|remitted|wired|made\s+(?:the\s+)?payment)|"
    r"\b(?:was|were)\s+(?:already\s+|fully\s+)?(?:paid|settled|transferred|remitted|wired)|"
    r"\b(?:paid|transferred|remitted|wired|settled)\s+(?:it\s+|the\s+\w+\s+)?(?:on|yesterday|today|last|in\s+full)|"
    r"payment\s+(?:was|has\s+been)\s+(?:made|sent|executed|processed|released|effected)|already\s+paid|"
    r"remittance\s+(?:advice|slip|copy)|proof\s+of\s+payment|bank\s+slip|payment\s+confirmation|"
    r"\bwe\s+(?:have\s+)?(?:paid|remitted|transferred|wired|settled)\b",
    _I,
)
_PAY_VERB = re.compile(
    r"付款|支付|付清|结清|还款|还清|打款|汇款|汇出|电汇|转账|回款|付给|汇给|转给|打给|结算|清偿|偿还|打过去|转过去|汇过去|付掉|到账|"
    r"汇(?=\s*[\d美人U￥¥$港欧])|"
    r"(?<![应对])付(?=\s*(?:[\d人RU$￥¥美港一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾全首余剩尾清款了给到第掉出]|$|[，。,.！!]))|"
    r"\b(?:pay|paid|payment|settle|settled|settlement|transfer|remit|remittance|wire|clear|instal+ments?)\b",
    _I,
)
_PROMISE = re.compile(
    r"(?<![不没无])(?:将|会|拟|计划|预计|准备|争取|保证|承诺|安排|排定|排入|可以|能够?|尽快|尽量|确保|一定|马上)"
    r"[^。！？!?；;\n]{0,30}(?:付款|支付|付清|结清|还款|还清|打款|汇款|汇出|转账|付|汇|转|结)|"
    r"(?:付款|支付|付清|结清|还清|打款|汇款|转账|付|汇)[^。！？!?；;\n]{0,6}(?:前|之前|以前)|"
    r"(?:前|之前|以前)[^。！？!?；;\n]{0,8}(?:付款|支付|付清|结清|还清|打款|汇款|转账|付|汇|安排|打过去|转过去)|"
    r"\b(?:will|shall|'ll|going\s+to|expect\s+to|plan\s+to|intend\s+to|promise\s+to|arrange\s+to|undertake\s+to|"
    r"aim\s+to|commit\s+to)\s+(?:\w+\s+){0,3}?(?:pay|settle|transfer|remit|wire|clear|release|make\s+(?:the\s+)?payment|"
    r"arrange\s+(?:the\s+)?payment|process\s+(?:the\s+)?payment)|payment\s+will\s+be\s+(?:made|sent|released|effected|"
    r"arranged|transferred|processed)|\bscheduled\s+(?:for\s+)?(?:payment|to\s+be\s+paid)|\bpayment\s+(?:is\s+)?scheduled|"
    r"(?:has\s+been|have\s+been|is|are|was)\s+scheduled\s+for|\bwill\s+follow\b|\bto\s+follow\s+(?:by|on|before)\b",
    _I,
)
_CONDITION = re.compile(
    r"(?:收到|待|等到?|一旦|如果|假如|若|只要|只有|除非)[^，,。！？!?；;\n]{0,25}(?:后|之后|以后|再|才|即|就|方可)|"
    r"(?:齐|到|补齐|齐全)了?(?:就|再|才|后)|"
    r"\bupon\s+receipt|\bonce\s+(?:we|the|your|our|it|they)\b|\bafter\s+(?:we|receiving|receipt|the)\b|"
    r"\bas\s+soon\s+as\s+(?:we|the|your|our)\b|\bprovided\s+(?:that\s+)?|\bsubject\s+to\b|\bif\s+(?:you|we|the)\b",
    _I,
)
# an earlier promise repeated next to the news (a payment): not a new promise
_RESTATED = re.compile(r"按(?:原)?约定|按原计划|如约|照旧|按之前说的|按之前(?:的)?约定|as\s+agreed|as\s+promised|"
                       r"as\s+previously|as\s+planned", _I)
_CHANGED = re.compile(r"改为|改到|改成|提前到?|推迟到?|延到|延后到|changed\s+to|moved\s+to|instead|brought\s+fo"
                      r"rward", _I)
_SUPERSEDED = re.compile(r"(?:之前说的|之前说|原定|原来|原计划|原约定|本来|previously\s+(?:agreed|promised)|"
                         r"originally)[^，。,；;]{0,4}$", _I)
_REMAINDER = re.compile(r"剩余|剩下|余款|尾款|其余|余下|\brest\b|\bremaining\b|\bbalance\b", _I)
_VAGUE_TIME = re.compile(r"春节后|年后|节后|过完年|过年后|元旦后|after\s+(?:the\s+)?(?:holidays?|chinese\s+new\s+year|"
                         r"spring\s+festival|cny|new\s+year)", _I)
_DISPUTE_NEGATED = re.compile(r"(?:无|没有|并无|不存在|没|毫无)(?:任何)?(?:异议|争议|问题|疑问|出入|差异)|"
                              r"\bno\s+(?:dispute|objection|issue|discrepanc\w*|problem)s?\b|问题[^，。]{0,12}(?:已经?|都)"
                              r"[^，。]{0,6}(?:处理|解决)", _I)
_NOT_DELIVERED = (r"(?:未|没有|没|尚未|根本没)(?:有)?收到(?:货|货物|产品|设备)|货[^，。,；;]{0,10}(?:没|未)(?:"
                  r"有)?(?:收到|到)|"
                  r"货物未到|未到货|没到货|签收人不是|not\s+received\s+(?:the\s+)?(?:goods|shipment|delivery)|"
                  r"goods\s+(?:were\s+|have\s+)?(?:not|never)\s+(?:been\s+)?(?:received|delivered|arrived)|"
                  r"never\s+(?:received|arrived)|not\s+(?:been\s+)?delivered")
_QUANTITY = (r"差了\s*\d+|只有\s*\d+\s*[件套个台箱吨]|实际数量|按实收|数量对不上|数量不符|数量不对|数量有误|短"
             r"少|短缺|少发|漏发|少了\s*\d+|实收数量|实际到货|实到|"
             r"\bshort[-\s]?(?:shipped|delivered|shipment)|missing\s+items|quantity|fewer\s+than")
_QUALITY = (r"质量|品质|不合格|超差|超标|瑕疵|破损|损坏|不良|验收不合格|未通过[^，。,；;]{0,8}验收|返修|返工|退"
            r"换|拒收|故障|"
            r"\bdefect\w*|\bdamaged\b|\bfaulty\b|\bquality\b|not\s+working|malfunction\w*|\bbroken\b")
# words that name a price dispute's subject, but alone are no dispute ("还差的960是上次的运费")
_PRICE_SUBJECT = r"单价|差价|运费|含税|"
_PRICE = (r"价格不符|单价不对|单价有误|价格有误|价格不对|金额不符|金额有误|金额不对|金额错误|计算错误|多收|多算"
          r"|重复(?:收费|开票|计费)|"
          r"报价|折扣|返利|涨价|与合同(?:约定)?不符|\bprice\w*|overcharg\w*|\bdiscount\w*|wrong\s+(?:amount|price|rate)|"
          r"double[-\s]?(?:billed|charged|invoiced)|charged\s+twice")
_DISPUTE_OTHER = (r"对不上|不一致|不符|有争议|异议|拒绝(?:支付|付款)|拒付|不予(?:支付|付款|认可)|暂缓(?:支付|付"
                  r"款)|暂停支付|"
                  r"暂不(?:支付|付款)|退货|不认可|不同意|不应由我司|并未(?:订购|采购)|没有(?:订购|采购)|索赔|投诉|不属实|"
                  r"不可能付|不会付|\bdisput\w*|\bdisagree\w*|\bnot\s+(?:as\s+)?ordered\b|\bnever\s+ordered\b|"
                  r"\bwrong\s+(?:quantity|invoice|items?|goods)|\bincorrect\b|discrepanc\w*|return(?:ed)?\s+the\s+goods|"
                  r"withhold\w*\s+(?:the\s+)?payment|refuse\s+to\s+pay|will\s+not\s+pay|won't\s+pay|\bcomplain\w*|"
                  r"\bobject\s+to\b|not\s+liable|not\s+responsible")
# a return or credit not yet booked: a dispute about the account, neither the goods nor the price
_RETURNS = r"退货|退了[^，。,；;]{0,6}回去|冲账|冲掉|红冲|returned\s+goods"
_DISPUTE_REASONS = (("not_delivered", re.compile(_NOT_DELIVERED, _I)), ("quantity", re.compile(_QUANTITY, _I)),
                    ("quality", re.compile(_QUALITY, _I)), ("other", re.compile(_RETURNS, _I)),
                    ("price", re.compile(_PRICE_SUBJECT + _PRICE, _I)))
# a quality or price word alone is no dispute ("质量很好"); it is one beside a refusal or a complaint
_DISPUTE = re.compile("|".join((_NOT_DELIVERED, _DISPUTE_OTHER, r"质量问题|品质问题|质量不合格|不合格|超差|超标"
                                                                r"|瑕疵|破损|"
                                r"损坏|不良率|验收不合格|未通过[^，。,；;]{0,8}验收|\bdefect\w*|\bdamaged\b|\bfaulty\b|"
                                r"quality\s+(?:issue|problem|defect)s?|" + _QUANTITY + "|" + _PRICE)), _I)
_DOCS = (r"(?:发票|专票|增值税(?:专用)?发票|票据|合同|对账单|送货单|发货单|签收单|验收单|结算单|明细|清单|账单|"
         r"凭证|复印件|"
         r"扫描件|回执|正本|副本)")
_DOCUMENT_REQUEST = re.compile(
    r"(?:未|没有|没|尚未|还没|还未|一直没)(?:有)?(?:收到|见到|拿到|开具|开)(?:过)?(?:贵司|你司|你们|您)?"
    r"(?:的|开具的|寄来的)?[^，。,；;]{0,8}" + _DOCS + r"|"
    + _DOCS + r"[^，。,；;]{0,8}(?:未收到|没收到|没有收到|尚未收到|丢失|遗失|作废|寄丢|开错|有误)|"
    r"(?:重新|再次|补)(?:开具|开|寄送|寄|发送|发|提供)|重开|补开|作废|开错|抬头[^，。,；;]{0,6}错|税号[^，。,；;]{0,6}(?:错|不对)|"
    r"(?:请|麻烦|烦请|劳烦|希望|需要)(?:贵司|你司|你们|您)?[^，。,；;]{0,6}(?:提供|发送|发来|发|寄|邮寄|开具|补开|重开|重发|"
    r"补发|传|出具)[^，。,；;]{0,12}" + _DOCS + r"|"
    r"(?:请|麻烦|烦请|劳烦)[^，。,；;]{0,4}把[^。；;]{0,24}" + _DOCS + r"[^。；;]{0,12}(?:发|寄|传|提供|给)|"
    r"(?:send|provide|resend|re-send|forward|share|issue|email|re-issue|reissue)\s+(?:us\s+|me\s+)?(?:with\s+)?"
    r"(?:a\s+|the\s+)?(?:copy\s+of\s+)?(?:the\s+|your\s+|a\s+)?(?:vat\s+|corrected\s+|original\s+|signed\s+|new\s+)?"
    r"(?:invoice|contract|statement|delivery\s+note|proof\s+of\s+delivery|pod|purchase\s+order|documents?|fapiao|"
    r"credit\s+note)|"
    r"(?:have\s+not|haven't|did\s+not|didn't|never|not)\s+(?:yet\s+)?(?:been\s+)?received\s+(?:the\s+|your\s+|any\s+|an?\s+)?"
    r"(?:vat\s+)?(?:invoice|contract|statement|delivery\s+note|fapiao)|invoice\s+(?:is\s+|was\s+)?missing|"
    r"missing\s+invoice|copy\s+of\s+the\s+invoice|need\s+(?:the|a|an)\s+(?:vat\s+|official\s+)?(?:invoice|fapiao)",
    _I,
)
_INSTALLMENT_REFUSED = re.compile(r"分期[^，。,；;]{0,8}(?:没批|不行|没同意|不同意|批不下来|没通过|不可以)|"
                                  r"instal\w*\s+(?:was|were|is)\s+(?:not\s+approved|rejected|refused)", _I)
# a document sent again and now received: thanks, no request
_DOCS_RECEIVED = re.compile(r"(?:补寄|补发|重开|补开|重新开具|重寄|重发)的?[^，。,；;]{0,8}(?:已经?|都)?(?:收到"
                            r"|收悉)", _I)
_INSTALLMENT = re.compile(
    r"分期|分批|分[两二三四五六七八九十几多\d]\s*(?:期|次|批|个月|個月)|分月|按月(?:支付|付款|还款|付)|每月(?:支付|付|还)|"
    r"还款计划|还款协议|还款方案|分期付款|逐月|\binstal+ments?\b|payment\s+plan|repayment\s+(?:plan|schedule|"
    r"agreement)|\bin\s+(?:two|three|four|five|six|\d+)\s+(?:monthly\s+|equal\s+)?(?:parts|payments|tranches|"
    r"instal\w*)|monthly\s+payments|pay\s+in\s+parts|\bstaggered\b",
    _I,
)
_HARDSHIP = re.compile(
    r"资金(?:紧张|困难|周转|链|短缺|不足|压力|比较紧|很紧|冻结)|周转(?:困难|不开|不灵|不过来)|现金流|经营(?:困难|不善)|"
    r"暂时[^，。,；;]{0,4}(?:无力|无法支付|无法付款|没有能力|没钱|付不|拿不出|没法|没办法)|查封|被封|"
    r"付不出|付不了|付不起|拿不出|"
    r"无力(?:支付|偿还|付款)|没有(?:钱|资金)|真没钱|没钱|借钱|账上没钱|冻结|抽贷|断贷|债务重组|重组|"
    r"(?:客户|甲方|业主|下游|总包|总公司|集团|上游|渠道)(?:那边|方面)?[^，。,；;]{0,8}(?:未|没有|没|还没|尚未|拖欠|迟迟|卡着|很慢|太慢)"
    r"|回款(?:很|太|比较)?慢|等[^，。,；;]{0,10}(?:回款|拨款|款项到位|资金到位)|回款后|款被[^，。,；;]{0,6}卡|"
    r"停产|停工|订单[^，。,；;]{0,4}停|破产|倒闭|裁员|延后一段时间|(?:对外)?付款都?暂停|"
    r"\bcash[-\s]?flow|financial\s+(?:difficult\w*|hardship|trouble|constraint\w*|situation)|"
    r"\bliquidity\b|unable\s+to\s+(?:make\s+(?:any\s+)?payments?|pay)|not\s+able\s+to\s+pay|(?:accounts?|funds)\s+"
    r"(?:have\s+been\s+|has\s+been\s+|are\s+|were\s+)?frozen|tax\s+investigation|cannot\s+(?:make\s+(?:any\s+)?)?pay|can't\s+(?:make\s+(?:any\s+)?)?pay|"
    r"can\s+not\s+pay|short\s+of\s+(?:funds|cash)|"
    r"waiting\s+for\s+(?:the\s+)?(?:payment\s+from\s+)?(?:our|a)\s+(?:own\s+|main\s+)?(?:customer|client)|"
    r"(?:our|own)\s+(?:main\s+)?(?:customer|client)\s+(?:has\s+)?(?:not\s+)?(?:yet\s+)?(?:paid|delayed|gone)|"
    r"\binsolven\w*|\bbankrupt\w*|judicial\s+management|receivership|administrat(?:ion|or)|liquidation|"
    r"\bhardship\b|difficult\s+(?:times|situation)|restructur\w*",
    _I,
)
_STATEMENT = re.compile(
    r"(?:对账单|对账函|询证函|余额确认|账目|往来账|应付余额|欠款金额|余额|账款|金额)[^。！？!?；;\n]{0,14}"
    r"(?<!不)(?:确认无误|核对无误|无误|相符|一致|已确认|确认|盖章|签章|签字|回签|回传)|"
    r"(?:确认|核对)(?:无误|相符|一致)|(?:同意|认可)[^，。,；;]{0,10}(?:对账单|余额|欠款)|已(?:盖章|签章|签字)(?:并)?(?:回传|寄回|返回|扫描)|确认(?:贵司|你司)?[^，。,]{0,6}(?:余额|欠款)|"
    r"\bconfirm\w*\s+(?:the\s+|your\s+|that\s+the\s+)?(?:outstanding\s+)?(?:balance|statement|amount)|"
    r"statement\s+(?:is\s+|was\s+)?(?:correct|agreed|confirmed|accurate)|\bagree\s+(?:with\s+)?(?:the|your)\s+"
    r"(?:balance|statement)|balance\s+(?:is\s+)?correct|signed\s+(?:and\s+stamped\s+)?(?:copy\s+of\s+)?"
    r"(?:the\s+)?statement|statement\s+(?:signed|stamped)",
    _I,
)
_REFERENCE = re.compile(
    r"(?:交易流水号|银行流水号|流水号|交易号|交易编号|凭证号|回单号|业务编号|业务参考号|参考号|汇款编号|付款编号|付款单号|票号|"
    r"汇票号|承兑汇票号|reference(?:\s+(?:number|no\.?))?|ref(?:erence)?\.?(?:\s*no\.?)?|transaction\s+(?:id|no\.?|number|"
    r"ref\w*)|utr|payment\s+run|remittance\s+(?:no\.?|number|ref\w*)|swift\s+ref\w*)"
    r"\s*(?:为|是|:|：|#|is)?\s*(?:[A-Z]{2,8}\s+(?=[A-Z0-9]*\d))?([A-Za-z0-9][A-Za-z0-9\-_/]*(?:\s\d{3,}(?![\d.,]))*)",
    _I,
)

_AMOUNT = re.compile(
    r"(?P<pre>人民币|RMB|CNY|USD|US\$|美元|美金|EUR|欧元|HKD|HK\$|港币|港元|¥|￥|\$|€)?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)\s*"
    r"(?P<unit>亿|万|千)?\s*(?P<post>元|块|美元|美金|欧元|港币|港元|人民币|RMB|CNY|USD|EUR|HKD)?",
    _I,
)
_CN_AMOUNT = re.compile(
    r"(?P<pre>人民币|RMB|CNY|USD|美元|美金|港币|港元|欧元|¥|￥)?\s*"
    r"(?P<num>[\d.]*[零〇一壹二贰貳两兩三叁參四肆五伍六陆陸七柒八捌九玖十拾百佰千仟万萬亿億][\d零〇一壹二贰貳两兩三叁參四肆五伍六陆陸七柒八捌九玖十拾百佰千仟万萬亿億.]*)"
    r"\s*(?P<post>元整|元|块|美元|美金|港币|港元|欧元)?"
)
_CN_NOT_MONEY = re.compile(r"^(?:月|日|号|天|周|年|个|次|件|套|家|点|时|分|期|笔|批|人|台|吨|箱|张|份|种|位|倍|"
                           r"成|楼|层|栋|米|%)")
_AMOUNT_WORDS = re.compile(r"(?:金额|货款|款项|余款|尾款|欠款|剩余|剩下的?|首付|首笔|第[一二三四五1-5]笔|付|支"
                           r"付|汇|转|amount|"
                           r"sum|balance|total|payment\s+of|instal\w*\s+of|of)\s*[:：]?\s*$", _I)
_PAID_AFTER = re.compile(r"\s*(?:已经?|都)?(?:付|汇|转|打|支付)")
_CURRENCY_BEFORE = re.compile(r"(美金|美元|USD|US\$|港币|港元|HKD|欧元|EUR|人民币|RMB|CNY)[^\d，。,]{0,3}$", _I)


@dataclass(frozen=True)
class Money:
    value: Decimal
    currency: str | None
    start: int
    end: int


@dataclass(frozen=True)
class Promise:
    day: date | None
    amount: Decimal | None

    def as_json(self) -> dict[str, str | None]:
        return {"date": self.day.isoformat() if self.day else None,
                "amount": format(self.amount, "f") if self.amount is not None else None}


@dataclass
class Understanding:
    intent: str
    confidence: float
    promises: list[Promise] = field(default_factory=list)
    paid_date: date | None = None
    paid_amount: Decimal | None = None
    currency: str | None = None
    reference: str | None = None
    dispute_reason: str | None = None
    cues: dict[str, list[str]] = field(default_factory=dict)

    @property
    def amount(self) -> Decimal | None:
        if self.intent == "paid":
            return self.paid_amount
        dated = [p for p in self.promises if p.day is not None]
        if dated:
            return min(dated, key=lambda p: p.day or date.max).amount
        return self.promises[0].amount if self.promises else None

    @property
    def promised_date(self) -> date | None:
        days = [p.day for p in self.promises if p.day is not None]
        return min(days) if days else None


def find_amounts(text: str) -> list[Money]:
    """Money amounts in free text: only figures a reader would take as money (a currency mark, 元/万,
    thousands separators with cents, or an amount word before them); never parts of invoice numbers,
    references, phone numbers or dates. Chinese numerals too (一万四, 10万8, 叁万贰仟陆佰元整)."""
    out: list[Money] = []
    for m in _CN_AMOUNT.finditer(text):
        num = m.group("num")
        if not any(ch in "十拾百佰千仟万萬亿億" for ch in num) and not m.group("post"):
            continue
        has_unit = any(ch in "万萬亿億千仟百佰" for ch in num)
        ends_in_digit = not any(ch in num[-1] for ch in "十拾百佰千仟万萬亿億")
        if _CN_NOT_MONEY.match(text[m.end("num"):m.end("num") + 1]) and not m.group("post") and not (
                has_unit and ends_in_digit):  # "6万8千9周四前": the 9 belongs to the amount
            continue
        before = text[max(0, m.start("num") - 1):m.start("num")]
        if text[m.end("num"):m.end("num") + 2] == "分之" or before in ("第", "周"):
            continue
        if num.replace(".", "").isdigit() or (num[-1] in "万萬亿億千" and num[:-1].replace(".", "").isdigit()):
            continue  # plain Arabic figures with at most one unit: the Arabic rule below reads them
        value = parse_chinese_number(num.rstrip("."))
        if value is None or value <= 0:
            continue
        try:
            amount = parse_money_text(format(value, "f"))
        except AmountUnreadable:
            continue
        currency = _currency_of(m.group("pre"), m.group("post"), text[: m.start()])
        out.append(Money(amount.value, currency, m.start(), m.end()))
    for m in _AMOUNT.finditer(text):
        if any(o.start < m.end() and m.start() < o.end for o in out):
            continue
        num = m.group("num")
        start, end = m.start("num"), m.end("num")
        before = text[max(0, start - 1): start]
        after = text[end: end + 1]
        if not m.group("pre") and before and ((before.isascii() and before.isalnum()) or before in "-_/#.:"):
            continue
        if not m.group("unit") and not m.group("post") and after and ((after.isascii() and after.isalnum())
                                                                       or after in "-_/"):
            continue
        if not m.group("unit") and not m.group("post") and _CN_NOT_MONEY.match(text[end:end + 1].lstrip()):
            continue
        context = bool(m.group("pre") or m.group("post") or m.group("unit"))
        if not context and "," in num and "." in num:
            context = True
        if not context and (_AMOUNT_WORDS.search(text[max(0, m.start() - 12): m.start()])
                            or _PAID_AFTER.match(text[end:end + 6])):
            context = len(num.replace(",", "").split(".")[0]) >= 3  # "of 3 days" is no amount
        if not context:
            continue
        written = num + (m.group("unit") or "")
        try:
            amount = parse_money_text(written)
        except AmountUnreadable:
            continue
        currency = _currency_of(m.group("pre"), m.group("post"), text[: m.start()])
        out.append(Money(amount.value, currency, m.start(), m.end()))
    out.sort(key=lambda money: money.start)
    kept: list[Money] = []
    for money in out:
        if kept and kept[-1].value == money.value and money.start - kept[-1].end <= 6:
            if kept[-1].currency is None:
                kept[-1] = Money(kept[-1].value, money.currency, kept[-1].start, money.end)
            continue
        kept.append(money)
    return kept


def _currency_of(pre: str | None, post: str | None, before: str) -> str | None:
    """The currency an amount is in: a mark before it wins ("美金23,480元" is dollars), then after it,
    then a currency word just before ("美金壹萬…元整")."""
    for mark in (pre, post):
        if mark and mark != "块":
            code = strip_currency(mark)[1]
            if code is not None and not (mark in ("元", "元整") and _CURRENCY_BEFORE.search(before[-8:])):
                return code
    near = _CURRENCY_BEFORE.search(before[-8:])
    if near is not None:
        return strip_currency(near.group(1))[1]
    if post in ("元", "元整", "块"):
        return "CNY"
    return None


def _sentences(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pos = 0
    for piece in re.split(r"(?<=[。！？!?；;\n])|(?<=\.)\s+(?=[A-Z])", text):
        if piece.strip():
            out.append((pos, piece))
        pos += len(piece)
    return out


def _cues(pattern: re.Pattern[str], text: str) -> list[str]:
    return [m.group(0) for m in pattern.finditer(text)]


_COMMA = re.compile(r"[，、]|,(?!\d)")  # "9,000" is one figure, not two clauses


def _pair(text: str, dates: list[Found], amounts: list[Money]) -> dict[int, Money]:
    """Each date's amount (by ``id`` of the date): the closest pairs first, each amount used once."""
    def segment(pos: int) -> int:
        return len(_COMMA.findall(text[:pos]))

    def apart(f: Found, m: Money) -> bool:
        # "…金额是￥200,000.00，其余的要等12月中旬…": the amount before "the rest" is not the rest's
        between = text[m.end:f.start] if m.end <= f.start else text[f.end:m.start]
        return bool(_REMAINDER.search(between)) and m.end <= f.start

    pairs = sorted(((apart(f, m), segment(f.start) != segment(m.start), min(abs(m.start - f.end), abs(f.start - m.end)),
                     i, j) for i, f in enumerate(dates) for j, m in enumerate(amounts)))
    out: dict[int, Money] = {}
    used: set[int] = set()
    for _, _, _, i, j in pairs:
        if id(dates[i]) not in out and j not in used:
            out[id(dates[i])] = amounts[j]
            used.add(j)
    return out


def _without(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def to_simplified(text: str) -> str:
    """The matching copy of a reply: traditional characters the rules use as simplified, same length."""
    return text.translate(_T2S)


@dataclass
class _Facts:
    promises: list[Promise] = field(default_factory=list)
    vague: list[Promise] = field(default_factory=list)  # "春节后付清": a promise without a date
    undated: list[Promise] = field(default_factory=list)  # "剩下的尽快付" with no time at all
    conditional: list[Promise] = field(default_factory=list)
    restated: list[Promise] = field(default_factory=list)
    paid_days: list[date] = field(default_factory=list)
    paid_amounts: list[Money] = field(default_factory=list)
    promise_amounts: list[Money] = field(default_factory=list)
    amounts: list[Money] = field(default_factory=list)


def _facts(text: str, anchor: date) -> _Facts:
    f = _Facts()
    for _, sentence in _sentences(text):
        dates = find_dates(sentence, anchor)
        amounts = find_amounts(sentence)
        f.amounts += amounts
        paid_here = bool(_PAID.search(sentence))
        promise_here = bool(_PROMISE.search(sentence))
        restated = bool(_RESTATED.search(sentence))
        used_dates = False
        sentence_first = len(f.promises)
        # "之前说的12月18日付款，改为本周五": the old date is gone
        changed = bool(_CHANGED.search(sentence))
        dates = [d for d in dates if not (changed and _SUPERSEDED.search(sentence[max(0, d.start - 8): d.start]))]
        assigned = _pair(sentence, dates, amounts)
        for found in dates:
            after = _COMMA.split(sentence[found.end: found.end + 15], 1)[0]
            money = assigned.get(id(found))
            ahead = found.ahead(anchor)
            verb_after = bool(_PAY_VERB.search(after))
            # the clause of this date: from the previous date (or the sentence start) to the next one
            clause_start = max([d.end for d in dates if d.end <= found.start], default=0)
            clause_end = min([d.start for d in dates if d.start >= found.end], default=len(sentence))
            clause = sentence[clause_start:clause_end]
            paid_clause = bool(_PAID.search(clause))
            if paid_clause and found.behind(anchor) <= anchor and not (found.month_day is None and found.day > anchor):
                f.paid_days.append(found.behind(anchor))
                if money is not None:
                    f.paid_amounts.append(money)
                used_dates = True
                continue
            names_payment = bool(_PAY_VERB.search(clause) or _REMAINDER.search(clause)) or verb_after
            segment_after = _COMMA.split(sentence[found.end:], 1)[0]
            if _PAID.search(segment_after) and not _PROMISE.search(segment_after):
                continue  # "本周内付的12万已经在今天上午付出": a promise already kept
            if ahead >= anchor and (promise_here or verb_after) and names_payment:
                promise = Promise(ahead, money.value if money is not None else None)
                used_dates = True
                around = sentence[max(0, found.start - 12): found.end + 15]
                if _CONDITION.search(sentence[: found.start]) or _CONDITION.search(around):
                    f.conditional.append(promise)
                else:
                    same = next((i for i, p in enumerate(f.promises[sentence_first:]) if p.day == promise.day), None)
                    if same is None or (promise.amount is not None
                                        and f.promises[sentence_first + same].amount is not None):
                        f.promises.append(promise)
                    elif f.promises[sentence_first + same].amount is None:
                        f.promises[sentence_first + same] = promise
                    if money is not None:
                        f.promise_amounts.append(money)
        if paid_here and not used_dates:
            f.paid_amounts += amounts
            if not dates:
                continue
        if not used_dates and (promise_here or _VAGUE_TIME.search(sentence)) and _PAY_VERB.search(sentence):
            promise = Promise(None, amounts[0].value if amounts else None)
            if restated and not amounts:
                f.restated.append(promise)
            elif _CONDITION.search(sentence):
                f.conditional.append(promise)
            elif _VAGUE_TIME.search(sentence):
                f.vague.append(promise)
            else:
                f.undated.append(promise)
            if amounts and not restated:
                f.promise_amounts += amounts[:1]
    return f


def understand(text: str, anchor: date) -> Understanding:
    """The intent and facts of a reply's new text, relative dates resolved against ``anchor``."""
    body = text.strip()
    if not body:
        return Understanding("other", 0.3)
    match = to_simplified(body)
    dispute_text = _without(_DISPUTE_NEGATED, match)
    cues = {
        "dispute": _cues(_DISPUTE, dispute_text),
        # "当时是分两次付的": instalments of a payment already made are no request
        "installment_request": [c for _, sentence in _sentences(_without(_INSTALLMENT_REFUSED, match))
                                if not _PAID.search(sentence) for c in _cues(_INSTALLMENT, sentence)],
        "statement_confirmed": _cues(_STATEMENT, match),
        "hardship": _cues(_HARDSHIP, match),
        "document_request": _cues(_DOCUMENT_REQUEST, _without(_DOCS_RECEIVED, match)),
        "paid": _cues(_PAID, match),
        "promise_to_pay": _cues(_PROMISE, match),
    }
    f = _facts(match, anchor)
    intent = _decide(cues, f)
    confidence = _confidence(intent, cues, f)
    if intent == "paid":
        chosen = f.paid_amounts
    elif intent == "promise_to_pay":
        chosen = f.promise_amounts
    else:
        chosen = []
    currency = next((m.currency for m in chosen if m.currency), None)
    if currency is None and chosen:
        currency = strip_currency(match)[1] or "CNY"
    reference = next((m.group(1).strip() for m in _REFERENCE.finditer(match) if re.search(r"\d", m.group(1))), None)
    reason = None
    if intent == "dispute":
        reason = next((name for name, pattern in _DISPUTE_REASONS if pattern.search(dispute_text)), "other")
    promises: list[Promise] = []
    if intent == "promise_to_pay":
        promises = f.promises or f.vague or f.undated
    elif intent == "installment_request":
        promises = f.promises
    # a payment reported without its day ("三万付了") has no paid_date: the message's own date would be
    # a guess, and bank matching must not take it for a fact
    paid_date = max(f.paid_days) if f.paid_days else None
    paid_amount = f.paid_amounts[0].value if f.paid_amounts else None
    return Understanding(
        intent=intent, confidence=confidence, promises=promises, paid_date=paid_date, paid_amount=paid_amount,
        currency=currency, reference=reference if intent in ("paid", "promise_to_pay") else None,
        dispute_reason=reason, cues={k: v for k, v in cues.items() if v},
    )


def _decide(cues: dict[str, list[str]], f: _Facts) -> str:
    if cues["dispute"]:
        return "dispute"
    if cues["installment_request"]:
        return "installment_request"
    dated_with_amount = [p for p in f.promises if p.amount is not None]
    # "3万今天已付，剩余的下个月初付": a payment with its amount beside a promise for "the rest" with none
    # is news of the payment; a dated promise with its amount outranks a part already paid
    if f.promises and (dated_with_amount or not (cues["paid"] and f.paid_amounts)):
        return "promise_to_pay"
    if f.vague:
        return "promise_to_pay"
    if cues["statement_confirmed"]:
        return "statement_confirmed"
    if cues["hardship"]:
        return "hardship"
    if cues["document_request"]:
        return "document_request"
    if cues["paid"]:
        return "paid"
    if f.undated:
        return "promise_to_pay"
    return "other"


# intents that would change what happens next if they, and not the winner, were meant
_RIVALS = {"dispute", "installment_request", "hardship", "document_request", "statement_confirmed", "paid"}


def _confidence(intent: str, cues: dict[str, list[str]], f: _Facts) -> float:
    if intent == "other":
        return 0.5 if not any(cues.values()) else 0.35
    strength = len(cues.get(intent, []))
    score = 0.65 + 0.12 * min(strength, 2)
    if intent == "promise_to_pay":
        if f.promises:
            score = 0.9 + (0.05 if any(p.amount is not None for p in f.promises) else 0.0)
        else:
            score = 0.6 if f.vague else 0.5
    rivals = [k for k in _RIVALS if k != intent and cues.get(k)]
    if intent == "promise_to_pay":
        rivals = [k for k in rivals if k not in ("paid", "hardship")]  # expected beside a promise
    score -= 0.12 * len(rivals)
    return round(max(0.05, min(0.97, score)), 2)

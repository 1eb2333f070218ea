"""What people write: the free-text opinions of evaluation forms and the topics of hearing records.

Each function returns one text for one form or record. It draws only from the generator it is
given, so the same seed keeps giving the same files, and its texts encode in GB18030 (hearing
records are exported in it). Richer opinions (more topics, more ways to say them) belong here.
"""

from __future__ import annotations

import random
from typing import Final, Literal

Tone = Literal["praise", "suggestion", "complaint"]

_PRAISE: Final = (
    "社区工作人员服务热情，办事认真负责。",
    "居务公开及时，希望继续保持。",
    "环境整治效果明显，楼道干净整洁了。",
    "为老服务做得好，助餐点很方便。",
    "社区干部经常入户走访，群众有事找得到人。",
)
_SUGGESTIONS: Final = (
    "建议增加老年人助餐点的供餐时间。",
    "希望尽快推进老旧楼加装电梯。",
    "小区停车难，建议协调周边单位错时停车。",
    "垃圾分类投放点夜间照明不足，建议加装路灯。",
    "建议增设社区图书角和青少年活动场所。",
    "楼道堆物较多，存在消防隐患，建议定期清理。",
    "希望多组织面向在职党员的志愿服务活动。",
    "建议在社区公众号及时公开物业维修资金使用情况。",
    "菜市场周边占道经营，早高峰拥堵，建议加强管理。",
    "希望增加社区卫生服务站的全科医生坐诊时间。",
    "晚上小区里车停得满满当当，希望规划一些临时车位。",
    "楼下充电桩太少，有人飞线给电动车充电，存在安全隐患。",
    "小区监控有好几个是坏的，建议尽快修好。",
    "希望社区定期走访困难家庭，帮他们申请临时救助。",
    "孩子放学后没人照看，希望开办四点半课堂。",
    "建议组织居民广场舞比赛和文艺演出，丰富业余生活。",
    "健身器材老化，希望更换一批新的。",
    "希望社区举办招聘会，帮助失业人员再就业。",
    "建议开展家庭医生签约服务进楼院活动。",
    "楼道声控灯坏了很久，晚上上下楼不方便。",
    "希望社区多组织邻里节活动，增进邻里感情。",
    "办事大厅中午也能有人值班就好了。",
    "建议设立就业创业指导窗口，提供技能培训信息。",
    "希望附近开一家平价超市。",
)
_COMPLAINTS: Final = (
    "反映的楼顶漏水问题至今未解决，办事效率有待提高。",
    "夜间施工噪音扰民，多次反映没有回音。",
    "物业服务差，社区监督不到位。",
    "居务公开不够及时，很多事情居民不知道。",
    "楼上半夜拖椅子、剁馅子，多次协调没有效果。",
    "邻居在楼道里养狗，狗叫声吵得孩子睡不着。",
    "小区里电动车乱停乱放，消防通道都被堵了。",
    "垃圾桶满了没人清运，夏天气味很大。",
    "家里老人独居，社区很少有人来看望。",
    "单元门禁坏了好几个月，陌生人随便进出。",
    "下水道经常堵塞，一楼污水倒灌。",
    "物业费涨了，服务却没有改善，维修基金使用也不公开。",
    "开证明跑了好几趟，工作人员态度不耐烦。",
)
_MEETING_TOPICS: Final = (
    "老旧小区改造方案",
    "老楼加装电梯费用分摊",
    "小区停车管理办法",
    "垃圾分类投放点设置",
    "物业服务收费调整",
    "社区养老驿站建设",
    "背街小巷环境整治",
    "便民菜市场规范经营",
    "社区公共收益使用",
    "绿化带改造提升",
    "楼道堆物清理和消防安全",
    "邻里噪音纠纷调解",
    "社区托育服务需求",
    "就业帮扶和技能培训",
    "社区卫生服务站服务时间",
    "群众文体活动场地",
)
_VISIT_TOPICS: Final = (
    "走访独居老人",
    "走访困难家庭",
    "征求居民对物业服务的意见",
    "走访残疾人家庭",
    "入户宣传垃圾分类",
    "走访退役军人家庭",
    "了解加装电梯意愿",
    "入户核查安全隐患",
)

_COMMENTS: Final[dict[Tone, tuple[str, ...]]] = {
    "praise": _PRAISE,
    "suggestion": _SUGGESTIONS,
    "complaint": _COMPLAINTS,
}


def evaluation_comment(rng: random.Random, tone: Tone) -> str:
    """An evaluator's written opinion (意见建议) of this tone."""
    return rng.choice(_COMMENTS[tone])


def hearing_topic(rng: random.Random, kind: str) -> str:
    """The topic (议题) of a hearing record: a meeting's agenda item or a home visit's purpose."""
    return rng.choice(_VISIT_TOPICS if kind == "入户走访" else _MEETING_TOPICS)

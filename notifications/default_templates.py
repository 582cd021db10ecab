"""The texts shipped with hrsys, in zh-hans and en; HR edits them in the admin.

Plain data, used by the data migrations and by ``demo.seed`` (which restores missing ones without overwriting
HR's edits). Texts are composed so they read right whatever the data holds: ``position`` names the department
only when the job title does not (notifications/wording.py), ``round_name`` is a whole noun ("临床技能面试",
"final interview") so no text adds 面试 / interview after it, and a field that may be empty (location, meeting
link, contact, start date) is left out with its label instead of printing "地点：。".
"""

from .default_templates_retired import RETIRED_TEXTS

# Pieces several texts share (Django template syntax).
_ZH_CONTACT = ("{% if contact_name or contact_phone %}联系人：{{ contact_name }}"
               "{% if contact_name and contact_phone %} {% endif %}{{ contact_phone }}{% endif %}")
_EN_CONTACT = ("{% if contact_name or contact_phone %}Contact: {{ contact_name }}"
               "{% if contact_name and contact_phone %}, {% endif %}{{ contact_phone }}{% endif %}")
_ZH_DETAILS = ("{% if location %}\n地点：{{ location }}{% endif %}"
               "{% if meeting_url %}\n线上会议：{{ meeting_url }}{% endif %}"
               "{% if confirm_url %}\n请点击确认：{{ confirm_url }}{% endif %}"
               "{% if reschedule_url %}\n如需改期：{{ reschedule_url }}{% endif %}")
_EN_DETAILS = ("{% if location %}\nPlace: {{ location }}{% endif %}"
               "{% if meeting_url %}\nOnline meeting: {{ meeting_url }}{% endif %}"
               "{% if confirm_url %}\nPlease confirm: {{ confirm_url }}{% endif %}"
               "{% if reschedule_url %}\nTo reschedule: {{ reschedule_url }}{% endif %}")
_ZH_ROUND = '{{ round_name|default:"面试" }}'
_EN_ROUND = '{{ round_name|default:"interview" }}'
_ZH_AI_GUIDE = ("操作指引：1. 使用电脑或手机的 Chrome/微信浏览器打开链接；2. 允许摄像头和麦克风；"
                "3. 选择安静、光线充足的环境；4. 每题有准备时间，回答后自动进入下一题；5. 中途断网可重新打开链接继续。")
_EN_AI_GUIDE = ("How it works: 1. open the link in Chrome or WeChat; 2. allow camera and microphone; 3. choose a "
                "quiet, well-lit place; 4. each question has preparation time and moves on after your answer; "
                "5. if the connection drops, open the link again to continue.")
_ZH_AI_HELP = ("{% if contact_name or contact_phone %}\n遇到问题请联系{{ contact_name }}"
               "{% if contact_name and contact_phone %} {% endif %}{{ contact_phone }}。{% endif %}")
_EN_AI_HELP = ("{% if contact_name or contact_phone %}\nQuestions: {{ contact_name }}"
               "{% if contact_name and contact_phone %}, {% endif %}{{ contact_phone }}.{% endif %}")

DEFAULT_TEMPLATES = [
    # (key, language, channel, subject, body)
    ("interview_invitation", "zh-hans", "", "面试邀请：{{ position }}",
     "{{ recipient_name }}您好，{{ organization_name }}邀请您参加{{ position }}岗位的" + _ZH_ROUND + "。"
     "\n时间：{{ interview_time }}" + _ZH_DETAILS + "{% if contact_name or contact_phone %}\n{% endif %}"
     + _ZH_CONTACT),
    ("interview_invitation", "en", "", "Interview invitation: {{ position }}",
     "Dear {{ recipient_name }}, you are invited to the " + _EN_ROUND + " for {{ position }} at "
     "{{ organization_name }}.\nTime: {{ interview_time }}" + _EN_DETAILS
     + "{% if contact_name or contact_phone %}\n{% endif %}" + _EN_CONTACT),
    ("interview_rescheduled", "zh-hans", "", "面试改期：{{ position }}",
     "{{ recipient_name }}您好，您的{{ position }}岗位" + _ZH_ROUND + "已改期"
     "{% if previous_time %}（原定{{ previous_time }}）{% endif %}，请以新的时间为准。"
     "\n新时间：{{ interview_time }}" + _ZH_DETAILS + "{% if contact_name or contact_phone %}\n{% endif %}"
     + _ZH_CONTACT),
    ("interview_rescheduled", "en", "", "Interview moved: {{ position }}",
     "Dear {{ recipient_name }}, your " + _EN_ROUND + " for {{ position }} at {{ organization_name }} has moved"
     "{% if previous_time %} from {{ previous_time }}{% endif %} to a new time.\nNew time: {{ interview_time }}"
     + _EN_DETAILS + "{% if contact_name or contact_phone %}\n{% endif %}" + _EN_CONTACT),
    ("interview_reminder", "zh-hans", "", "面试提醒：{{ interview_time }}",
     "{{ recipient_name }}您好，提醒您参加{{ position }}岗位的" + _ZH_ROUND + "。\n时间：{{ interview_time }}"
     + _ZH_DETAILS),
    ("interview_reminder", "en", "", "Interview reminder: {{ interview_time }}",
     "Dear {{ recipient_name }}, a reminder of your " + _EN_ROUND + " for {{ position }}.\n"
     "Time: {{ interview_time }}" + _EN_DETAILS),
    ("interview_reminder", "zh-hans", "voice", "",
     "{{ recipient_name }}您好，这里是{{ organization_name }}人力资源部。提醒您在{{ interview_time }}参加"
     "{{ position }}岗位的" + _ZH_ROUND + "{% if location %}，地点：{{ location }}{% elif meeting_url %}，线上进行"
     "{% endif %}。"),
    ("interview_reminder", "en", "voice", "",
     "Hello {{ recipient_name }}, this is {{ organization_name }} human resources. A reminder of your "
     + _EN_ROUND + " for {{ position }} on {{ interview_time }}{% if location %} at {{ location }}"
     "{% elif meeting_url %}, online{% endif %}."),
    ("ai_interview_invitation", "zh-hans", "", "AI 面试邀请：{{ position }}",
     "{{ recipient_name }}您好，请在{{ deadline }}前完成{{ position }}岗位的 AI 视频面试（约{{ duration_minutes }}"
     "分钟）：{{ interview_url }}\n" + _ZH_AI_GUIDE + _ZH_AI_HELP),
    ("ai_interview_invitation", "en", "", "AI interview invitation: {{ position }}",
     "Dear {{ recipient_name }}, please complete the AI video interview for {{ position }} (about "
     "{{ duration_minutes }} minutes) before {{ deadline }}: {{ interview_url }}\n" + _EN_AI_GUIDE + _EN_AI_HELP),
    ("ai_interview_rescheduled", "zh-hans", "", "AI 面试时间调整：{{ position }}",
     "{{ recipient_name }}您好，您的{{ position }}岗位 AI 视频面试时间已调整"
     "{% if previous_deadline %}（原截止时间{{ previous_deadline }}）{% endif %}，请在{{ deadline }}前完成"
     "（约{{ duration_minutes }}分钟）：{{ interview_url }}\n" + _ZH_AI_GUIDE + _ZH_AI_HELP),
    ("ai_interview_rescheduled", "en", "", "AI interview: new deadline for {{ position }}",
     "Dear {{ recipient_name }}, your AI video interview for {{ position }} has a new deadline"
     "{% if previous_deadline %} (it was {{ previous_deadline }}){% endif %}: please complete it (about "
     "{{ duration_minutes }} minutes) before {{ deadline }}: {{ interview_url }}\n" + _EN_AI_GUIDE + _EN_AI_HELP),
    ("no_show_reschedule", "zh-hans", "", "错过面试？可以重新预约",
     "{{ recipient_name }}您好，您未能参加{{ interview_time }}的{{ position }}岗位" + _ZH_ROUND + "。"
     "如仍有意向，请在此重新选择时间：{{ reschedule_url }}"),
    ("no_show_reschedule", "en", "", "Missed your interview? Book a new time",
     "Dear {{ recipient_name }}, you missed the " + _EN_ROUND + " for {{ position }} on {{ interview_time }}. "
     "If you are still interested, choose a new time here: {{ reschedule_url }}"),
    ("offer_sent", "zh-hans", "", "录用通知：{{ position }}",
     "{{ recipient_name }}您好，恭喜您获得{{ organization_name }}{{ position }}岗位录用。"
     "请于{{ respond_by }}前查看并答复：{{ offer_url }}{% if start_date %}\n预计入职日期：{{ start_date }}{% endif %}"
     "{% if contact_name or contact_phone %}\n{% endif %}" + _ZH_CONTACT),
    ("offer_sent", "en", "", "Offer: {{ position }}",
     "Dear {{ recipient_name }}, congratulations: you are offered the position of {{ position }} at "
     "{{ organization_name }}. Please review and answer by {{ respond_by }}: {{ offer_url }}"
     "{% if start_date %}\nExpected start: {{ start_date }}{% endif %}"
     "{% if contact_name or contact_phone %}\n{% endif %}" + _EN_CONTACT),
    ("interview_cancelled", "zh-hans", "", "面试取消：{{ position }}",
     "{{ recipient_name }}您好，您原定于{{ interview_time }}参加的{{ position }}岗位" + _ZH_ROUND + "已取消，"
     "我们会另行与您联系。{% if contact_name or contact_phone %}\n如有疑问请联系{{ contact_name }}"
     "{% if contact_name and contact_phone %} {% endif %}{{ contact_phone }}。{% endif %}"),
    ("interview_cancelled", "en", "", "Interview cancelled: {{ position }}",
     "Dear {{ recipient_name }}, your " + _EN_ROUND + " for {{ position }} on {{ interview_time }} is cancelled; "
     "we will be in touch.{% if contact_name or contact_phone %}\n{% endif %}" + _EN_CONTACT),
    ("application_rejected", "zh-hans", "", "{{ organization_name }}：{{ position }}岗位应聘结果",
     "{{ recipient_name }}您好，{{ message }}"),
    ("application_rejected", "en", "", "{{ organization_name }}: your application for {{ position }}",
     "Dear {{ recipient_name }}, {{ message }}"),
    ("portal_sign_in_code", "zh-hans", "", "登录验证码",
     "{% if organization_name %}【{{ organization_name }}】{% endif %}您的候选人门户登录验证码为 {{ code }}，"
     "{{ minutes }} 分钟内有效，请勿告诉他人。"),
    ("portal_sign_in_code", "en", "", "Your sign-in code",
     "{% if organization_name %}{{ organization_name }}: {% endif %}your candidate portal code is {{ code }}. "
     "It is valid for {{ minutes }} minutes. Never share it."),
    ("offer_accepted", "zh-hans", "", "欢迎加入{{ organization_name }}",
     "{{ recipient_name }}您好，感谢您接受{{ position }}岗位的录用{% if start_date %}，入职日期：{{ start_date }}"
     "{% endif %}。请在候选人门户完善入职信息并查看入职清单：{{ portal_url }}"),
    ("offer_accepted", "en", "", "Welcome to {{ organization_name }}",
     "Dear {{ recipient_name }}, thank you for accepting the offer for {{ position }}"
     "{% if start_date %}; your start date is {{ start_date }}{% endif %}. Please complete your onboarding "
     "information and checklist in the portal: {{ portal_url }}"),
    ("offer_withdrawn", "zh-hans", "", "录用通知撤回：{{ position }}",
     "{{ recipient_name }}您好，很抱歉通知您，{{ organization_name }}{{ position }}岗位的录用通知已撤回。"
     "如有疑问请联系人力资源部。"),
    ("offer_withdrawn", "en", "", "Offer withdrawn: {{ position }}",
     "Dear {{ recipient_name }}, we are sorry: the offer for {{ position }} at {{ organization_name }} has been "
     "withdrawn. Please contact human resources with any questions."),
    ("offer_expired", "zh-hans", "", "录用通知已过期：{{ position }}",
     "{{ recipient_name }}您好，{{ organization_name }}{{ position }}岗位的录用通知未在期限内答复，已过期。"
     "如您仍有意向，请联系人力资源部。"),
    ("offer_expired", "en", "", "Offer expired: {{ position }}",
     "Dear {{ recipient_name }}, the offer for {{ position }} at {{ organization_name }} was not answered in time "
     "and has expired. Contact human resources if you are still interested."),
    ("start_date_changed", "zh-hans", "", "入职日期变更",
     "{{ recipient_name }}您好，您在{{ organization_name }}的入职日期已调整为{{ start_date }}。"
     "{% if clock_id %}您的考勤号 {{ clock_id }} 自当天起生效。{% endif %}"),
    ("start_date_changed", "en", "", "Your start date changed",
     "Dear {{ recipient_name }}, your start date at {{ organization_name }} is now {{ start_date }}."
     "{% if clock_id %} Your clock-in id {{ clock_id }} works from that day.{% endif %}"),
    ("onboarding_task_reminder", "zh-hans", "", "入职事项：{{ task_title }}",
     "{{ recipient_name }}您好，入职事项“{{ task_title }}”{% if overdue %}已于{{ due_date }}到期{% else %}"
     "将于{{ due_date }}到期{% endif %}，请在候选人门户完成：{{ portal_url }}"),
    ("onboarding_task_reminder", "en", "", "Onboarding: {{ task_title }}",
     "Dear {{ recipient_name }}, your onboarding task \"{{ task_title }}\" {% if overdue %}was due on "
     "{{ due_date }}{% else %}is due on {{ due_date }}{% endif %}. Please complete it in the portal: "
     "{{ portal_url }}"),
    ("careers_application_received", "zh-hans", "", "已收到您的应聘申请：{{ position }}",
     "{{ recipient_name }}您好，{{ organization_name }}已收到您应聘{{ position }}岗位的申请，我们会尽快审阅您的简历。"
     "您可以在候选人门户查看进度：{{ portal_url }}"),
    ("careers_application_received", "en", "", "Application received: {{ position }}",
     "Dear {{ recipient_name }}, {{ organization_name }} has received your application for {{ position }} and "
     "will review it soon. Follow its progress in the candidate portal: {{ portal_url }}"),
    ("careers_application_exists", "zh-hans", "", "您已应聘过{{ position }}岗位",
     "{{ recipient_name }}您好，您应聘{{ organization_name }}{{ position }}岗位的申请仍在处理中，无需重复提交。"
     "您可以在候选人门户查看进度：{{ portal_url }}"),
    ("careers_application_exists", "en", "", "You have already applied for {{ position }}",
     "Dear {{ recipient_name }}, your application for {{ position }} at {{ organization_name }} is still being "
     "processed, so there is no need to apply again. Follow its progress in the candidate portal: {{ portal_url }}"),
    ("generic_alert", "zh-hans", "", "{{ title }}", "{{ message }}{% if url %} {{ url }}{% endif %}"),
    ("generic_alert", "en", "", "{{ title }}", "{{ message }}{% if url %} {{ url }}{% endif %}"),
    ("generic_message", "zh-hans", "", "{{ subject }}",
     "{{ recipient_name }}您好，{{ message }}{% if url %} {{ url }}{% endif %}"),
    ("generic_message", "en", "", "{{ subject }}",
     "Dear {{ recipient_name }}, {{ message }}{% if url %} {{ url }}{% endif %}"),
    ("voice_menu", "zh-hans", "voice", "", "确认参加请按1，需要改期请按2。"),
    ("voice_menu", "en", "voice", "", "Press 1 to confirm. Press 2 to reschedule."),
    ("voice_confirmed", "zh-hans", "voice", "", "已为您确认，谢谢，再见。"),
    ("voice_confirmed", "en", "voice", "", "Thank you, you are confirmed. Goodbye."),
    ("voice_reschedule", "zh-hans", "voice", "", "好的，我们会尽快联系您改期，再见。"),
    ("voice_reschedule", "en", "voice", "", "We will contact you to find a new time. Goodbye."),
]

DEFAULT_POLICIES = [
    # (code, name, trigger, after_minutes, fallback_channel)
    ("sms-undelivered-1h-voice", "SMS not delivered in 1 hour: voice call", "not_delivered", 60, "voice"),
    ("unopened-24h-preferred", "Not opened in 24 hours: preferred other channel", "not_opened", 1440, "auto"),
]


def install_defaults(template_model, policy_model, *, refresh: bool = False) -> int:
    """Create missing default rows; never overwrites HR's edits. Returns how many were created (or refreshed).

    ``refresh``: a row that still holds a text an earlier release shipped (``RETIRED_TEXTS``, untouched by HR)
    gets the current text; a row HR changed in any way keeps HR's text."""

    created = 0
    for key, language, channel, subject, body in DEFAULT_TEMPLATES:
        obj, made = template_model.objects.get_or_create(
            key=key, language=language, channel=channel, defaults={"subject": subject, "body": body})
        created += made
        if (refresh and not made and (obj.subject, obj.body) != (subject, body) and not obj.html_body
                and (obj.subject, obj.body) in RETIRED_TEXTS.get((key, language, channel), ())):
            obj.subject, obj.body = subject, body
            obj.save(update_fields=["subject", "body", "updated_at"])
            created += 1
    for code, name, trigger, after, fallback in DEFAULT_POLICIES:
        _obj, made = policy_model.objects.get_or_create(
            code=code, defaults={"name": name, "trigger": trigger, "after_minutes": after,
                                 "fallback_channel": fallback})
        created += made
    return created

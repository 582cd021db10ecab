"""Texts earlier releases shipped as defaults, per (key, language, channel).

A stored template still equal to one of them was never edited by HR, so a data migration may replace it with
the current default (``install_defaults(refresh=True)``). When a default in ``default_templates.py`` changes,
add the outgoing text here and a migration that refreshes.
"""

RETIRED_TEXTS: dict[tuple[str, str, str], tuple[tuple[str, str], ...]] = {
    # until 0006_message_texts_composed: "{{ round_name }}面试", "地点：{{ location }}。" without a location,
    # organization + department + title concatenated, "请在{{ deadline }}前" with any deadline text
    ("interview_invitation", "zh-hans", ""): (
        ("面试邀请：{{ job_title }}",
         "{{ recipient_name }}您好，{{ organization_name }}邀请您参加{{ job_title }}"
         "岗位{{ round_name }}面试。时间：{{ interview_time }}；地点：{{ location }}。"
         "{% if meeting_url %}线上会议：{{ meeting_url }} {% endif %}请点击确认："
         "{{ confirm_url }} 如需改期：{{ reschedule_url }} 联系人：{{ contact_name }}"
         " {{ contact_phone }}"),
    ),
    ("interview_invitation", "en", ""): (
        ("Interview invitation: {{ job_title }}",
         "Dear {{ recipient_name }}, {{ organization_name }}"
         " invites you to the {{ round_name }} interview for {{ job_title }}"
         " on {{ interview_time }} at {{ location }}.{% if meeting_url %}"
         " Online: {{ meeting_url }}{% endif %}"
         " Please confirm: {{ confirm_url }} To reschedule: {{ reschedule_url }}"
         " Contact: {{ contact_name }} {{ contact_phone }}"),
    ),
    ("interview_reminder", "zh-hans", ""): (
        ("面试提醒：{{ interview_time }}",
         "{{ recipient_name }}您好，提醒您{{ interview_time }}参加{{ job_title }}面试，地点："
         "{{ location }}。请确认：{{ confirm_url }} 如需改期：{{ reschedule_url }}"),
    ),
    ("interview_reminder", "en", ""): (
        ("Interview reminder: {{ interview_time }}",
         "Dear {{ recipient_name }}, a reminder of your {{ job_title }}"
         " interview on {{ interview_time }} at {{ location }}. "
         "Please confirm: {{ confirm_url }} To reschedule: {{ reschedule_url }}"),
    ),
    ("interview_reminder", "zh-hans", "voice"): (
        ("",
         "{{ recipient_name }}您好，这里是{{ organization_name }}人力资源部。"
         "提醒您在{{ interview_time }}参加{{ job_title }}岗位面试，地点：{{ location }}。"),
    ),
    ("interview_reminder", "en", "voice"): (
        ("",
         "Hello {{ recipient_name }}, this is {{ organization_name }}"
         " human resources. A reminder of your {{ job_title }}"
         " interview on {{ interview_time }} at {{ location }}."),
    ),
    ("ai_interview_invitation", "zh-hans", ""): (
        ("AI 面试邀请：{{ job_title }}",
         "{{ recipient_name }}您好，请在{{ deadline }}前完成{{ job_title }}"
         "岗位的 AI 视频面试（约{{ duration_minutes }}分钟）：{{ interview_url }}\n操作指引：1. "
         "使用电脑或手机的 Chrome/微信浏览器打开链接；2. 允许摄像头和麦克风；3. 选择安静、光线充足的环境；4. 每题有准备时间，"
         "回答后自动进入下一题；5. 中途断网可重新打开链接继续。遇到问题请联系{{ contact_name }}"
         " {{ contact_phone }}。"),
    ),
    ("ai_interview_invitation", "en", ""): (
        ("AI interview invitation: {{ job_title }}",
         "Dear {{ recipient_name }}"
         ", please complete the AI video interview for {{ job_title }}"
         " (about {{ duration_minutes }} minutes) before {{ deadline }}"
         ": {{ interview_url }}\nHow it works: 1. "
         "open the link in Chrome or WeChat; 2. allow camera and microphone; 3. "
         "choose a quiet, well-lit place; 4. "
         "each question has preparation time and moves on after your answer; 5. "
         "if the connection drops, open the link again to continue. "
         "Questions: {{ contact_name }} {{ contact_phone }}."),
    ),
    ("no_show_reschedule", "zh-hans", ""): (
        ("错过面试？可以重新预约",
         "{{ recipient_name }}您好，您未能参加{{ interview_time }}的{{ job_title }}面试。"
         "如仍有意向，请在此重新选择时间：{{ reschedule_url }}"),
    ),
    ("no_show_reschedule", "en", ""): (
        ("Missed your interview? Book a new time",
         "Dear {{ recipient_name }}, you missed the {{ job_title }}"
         " interview on {{ interview_time }}. "
         "If you are still interested, choose a new time here: {{ reschedule_url }}"),
    ),
    ("offer_sent", "zh-hans", ""): (
        ("录用通知：{{ job_title }}",
         "{{ recipient_name }}您好，恭喜您获得{{ organization_name }}"
         "{{ department_name }}{{ job_title }}岗位录用。请于{{ respond_by }}前查看并答复："
         "{{ offer_url }} 预计入职日期：{{ start_date }}。"),
    ),
    ("offer_sent", "en", ""): (
        ("Offer: {{ job_title }}",
         "Dear {{ recipient_name }}, congratulations: {{ organization_name }}"
         " offers you the {{ job_title }} position in {{ department_name }}. "
         "Please review and answer by {{ respond_by }}: {{ offer_url }}"
         " Expected start: {{ start_date }}."),
    ),
    ("interview_cancelled", "zh-hans", ""): (
        ("面试取消：{{ job_title }}",
         "{{ recipient_name }}您好，您原定于{{ interview_time }}的{{ job_title }}"
         "{{ round_name }}已取消，我们会另行与您联系。如有疑问请联系{{ contact_name }}"
         " {{ contact_phone }}。"),
    ),
    ("interview_cancelled", "en", ""): (
        ("Interview cancelled: {{ job_title }}",
         "Dear {{ recipient_name }}, your {{ round_name }} for {{ job_title }}"
         " on {{ interview_time }} is cancelled; we will be in touch. "
         "Questions: {{ contact_name }} {{ contact_phone }}."),
    ),
    ("application_rejected", "zh-hans", ""): (
        ("{{ organization_name }}：{{ job_title }}岗位应聘结果",
         "{{ recipient_name }}您好，{{ message }}"),
    ),
    ("application_rejected", "en", ""): (
        ("{{ organization_name }}: your application for {{ job_title }}",
         "Dear {{ recipient_name }}, {{ message }}"),
    ),
    ("offer_accepted", "zh-hans", ""): (
        ("欢迎加入{{ organization_name }}",
         "{{ recipient_name }}您好，感谢您接受{{ job_title }}岗位的录用，入职日期：{{ start_date }}"
         "。请在候选人门户完善入职信息并查看入职清单：{{ portal_url }}"),
    ),
    ("offer_accepted", "en", ""): (
        ("Welcome to {{ organization_name }}",
         "Dear {{ recipient_name }}, thank you for accepting the {{ job_title }}"
         " offer; your start date is {{ start_date }}. "
         "Please complete your onboarding information and checklist in the portal: {{ portal_url }}"),
    ),
    ("offer_withdrawn", "zh-hans", ""): (
        ("录用通知撤回：{{ job_title }}",
         "{{ recipient_name }}您好，很抱歉通知您，{{ organization_name }}{{ job_title }}"
         "岗位的录用通知已撤回。如有疑问请联系人力资源部。"),
    ),
    ("offer_withdrawn", "en", ""): (
        ("Offer withdrawn: {{ job_title }}",
         "Dear {{ recipient_name }}, we are sorry: the offer for {{ job_title }}"
         " at {{ organization_name }} has been withdrawn. "
         "Please contact human resources with any questions."),
    ),
    ("offer_expired", "zh-hans", ""): (
        ("录用通知已过期：{{ job_title }}",
         "{{ recipient_name }}您好，{{ organization_name }}{{ job_title }}"
         "岗位的录用通知未在期限内答复，已过期。如您仍有意向，请联系人力资源部。"),
    ),
    ("offer_expired", "en", ""): (
        ("Offer expired: {{ job_title }}",
         "Dear {{ recipient_name }}, the offer for {{ job_title }}"
         " at {{ organization_name }} was not answered in time and has expired. "
         "Contact human resources if you are still interested."),
    ),
    ("start_date_changed", "zh-hans", ""): (
        ("入职日期变更",
         "{{ recipient_name }}您好，您在{{ organization_name }}"
         "的入职日期已调整为{{ start_date }}。您的考勤号 {{ clock_id }} 自当天起生效。"),
    ),
    ("start_date_changed", "en", ""): (
        ("Your start date changed",
         "Dear {{ recipient_name }}, your start date at {{ organization_name }}"
         " is now {{ start_date }}. Your clock-in id {{ clock_id }}"
         " works from that day."),
    ),
    ("generic_alert", "zh-hans", ""): (
        ("{{ title }}",
         "{{ message }} {{ url }}"),
    ),
    ("generic_alert", "en", ""): (
        ("{{ title }}",
         "{{ message }} {{ url }}"),
    ),
    ("generic_message", "zh-hans", ""): (
        ("{{ subject }}",
         "{{ recipient_name }}您好，{{ message }} {{ url }}"),
    ),
    ("generic_message", "en", ""): (
        ("{{ subject }}",
         "Dear {{ recipient_name }}, {{ message }} {{ url }}"),
    ),
}

"""Messages of the skill basics: launch, help, enrolment, limits reached, errors."""

MESSAGES: dict[str, dict[str, str]] = {
    "en-US": {
        "unknown.code": (
            "This device isn't set up yet. Ask your administrator to claim it with the code "
            '<say-as interpret-as="digits">{code}</say-as>.'
        ),
        "unknown.no_device": "I can't tell which device this is, so I can't help here yet.",
        "launch.room": "{room} here. You can say: {hints}",
        "launch.lobby": (
            "Welcome to {site}. If you're visiting someone, tell me your name and who you're here to see."
        ),
        "launch.personal": "Hi {name}. You can say: {hints}",
        "help.intro": "You can say: {hints}",
        "help.none": "This device has no office features enabled. Ask your administrator to add some.",
        "hint.booking.shared": "is this room free, book this room for thirty minutes",
        "hint.booking.personal": "book a room tomorrow at ten, what's my next meeting",
        "hint.calling": "call someone",
        "hint.join-meeting": "join the meeting",
        "hint.reception": "I'm here to see someone",
        "hint.facilities": "report a problem",
        "hint.join": "{first}, or {last}.",
        "hint.separator": ", ",
        "hint.single": "{only}.",
        "reprompt": "What would you like to do? Say help to hear the options.",
        "fallback": "Sorry, I can't help with that. Say help to hear what I can do.",
        "not_allowed": "That isn't available on this device.",
        "goodbye": "Goodbye.",
        "error": "Sorry, something went wrong. Please try again in a minute.",
        "unavailable": "I couldn't reach the booking system. Please try again in a minute.",
        "limit.calls": "This device has reached its limit on calls for this hour. Please try again later.",
        "limit.checkins": "I can't check in more visitors from this device right now. Please ask a member of staff.",
        "limit.bookings": "Today's limit on bookings has been reached. Please try again tomorrow.",
        "limit.problems": (
            "This device has reported as many problems as it can this hour. Please contact facilities directly."
        ),
    },
    "ja-JP": {
        "unknown.code": (
            "このデバイスは未登録です。管理者にコード"
            '<say-as interpret-as="digits">{code}</say-as>での登録を依頼してください。'
        ),
        "unknown.no_device": "どのデバイスか分からないため、ここではまだお手伝いできません。",
        "launch.room": "{room}です。「ヘルプ」と言うと使い方をご案内します。",
        "launch.lobby": "{site}へようこそ。ご訪問の方は、お名前と訪問先の方のお名前をお話しください。",
        "launch.personal": "{name}さん、こんにちは。{hints}",
        "help.intro": "{hints}",
        "help.none": "このデバイスではオフィスの機能が有効になっていません。管理者に設定を依頼してください。",
        "hint.booking.shared": "「この部屋空いてる」「この部屋を三十分予約して」",
        "hint.booking.personal": "「明日の十時に会議室を予約して」「次の会議は」",
        "hint.calling": "「田中さんに電話して」",
        "hint.join-meeting": "「会議に参加して」",
        "hint.reception": "「受付をお願いします」",
        "hint.facilities": "「問題を報告」",
        "hint.join": "{first}、{last}とお話しください。",
        "hint.single": "{only}とお話しください。",
        "hint.separator": "、",
        "reprompt": "ご用件は何でしょうか?「ヘルプ」と言うと使い方をご案内します。",
        "fallback": "すみません、それにはお応えできません。「ヘルプ」と言うと使い方をご案内します。",
        "not_allowed": "その機能はこのデバイスでは使えません。",
        "goodbye": "失礼します。",
        "error": "すみません、問題が発生しました。少ししてからもう一度お試しください。",
        "unavailable": "予約システムに接続できませんでした。少ししてからもう一度お試しください。",
        "limit.calls": "このデバイスから一時間にかけられる通話の上限に達しました。しばらくしてからお試しください。",
        "limit.checkins": "この時間はこれ以上受付できません。お近くの係の者にお声がけください。",
        "limit.bookings": "本日予約できる上限に達しました。明日もう一度お試しください。",
        "limit.problems": "この時間にこのデバイスから報告できる件数の上限に達しました。施設担当に直接ご連絡ください。",
    },
}

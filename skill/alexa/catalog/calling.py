"""Messages of the calling capability. On shared devices no number or PIN is ever part of them."""

MESSAGES: dict[str, dict[str, str]] = {
    "en-US": {
        "call.ask_who": "Who would you like to call?",
        "call.ask_number": "What number should I call?",
        "call.which": "{first} or {second}?",
        "call.nobody": "I couldn't find {name} in the directory.",
        "call.nobody_heard": "I didn't catch who to call. Please say their name.",
        "call.no_number": "I don't have a phone number for {name}.",
        "call.no_such_phone": "{name} has no {phone} number on record.",
        "call.other_phone": "{name} has no {phone} number on record. Shall I call their {other}?",
        "call.confirm": "Call {name}'s {phone}?",
        "call.phone.mobile": "mobile",
        "call.phone.office": "office phone",
        "call.phone.home": "home phone",
        "call.confirm.reception": "Call reception?",
        "call.confirm_number.shared": "Shall I call the number you gave?",
        "call.confirm_number.personal": 'Call <say-as interpret-as="telephone">{number}</say-as>?',
        "call.denied": "OK, I won't call.",
        "call.placed.shared": "Calling {name}. The room phone will ring first.",
        "call.placed.personal": "Calling {name}. Your phone will ring first, then I'll connect you.",
        "call.placed_number.shared": "Calling the number you gave. The room phone will ring first.",
        "call.placed_number.personal": (
            'Calling <say-as interpret-as="telephone">{number}</say-as>. Your phone will ring first.'
        ),
        "call.requested.shared": "I've asked for the call to {name}. The room phone should ring shortly.",
        "call.requested.personal": "I've asked for the call to {name}. Your phone should ring shortly.",
        "call.requested_number.shared": (
            "I've asked for a call to the number you gave. The room phone should ring shortly."
        ),
        "call.requested_number.personal": (
            'I\'ve asked for a call to <say-as interpret-as="telephone">{number}</say-as>. '
            "Your phone should ring shortly."
        ),
        "call.refused.emergency": "I can't call emergency services. Please use a phone.",
        "call.refused.premium": "I can't call premium-rate numbers.",
        "call.refused.number_type": "I can't call that kind of number.",
        "call.refused.country": "Calls to that country aren't allowed here.",
        "call.refused.blocked": "Calls to that number aren't allowed here.",
        "call.not_here.employees": (
            "Calls to colleagues aren't allowed from here. You can call {name} from your own phone."
        ),
        "call.not_here.contacts": (
            "Calls outside the company aren't allowed from here. You can call {name} from your own phone."
        ),
        "call.not_here.numbers": "Dialling numbers isn't allowed from here. You can dial it from your own phone.",
        "call.invalid": "That doesn't sound like a phone number I can dial.",
        "call.no_phone.room": "This room has no phone set up for calls. Ask your administrator to add one.",
        "call.no_phone.user": (
            "You have no mobile or office number set up for calls. Ask your administrator to add one."
        ),
        "call.failed": "I couldn't place the call. Please try again in a minute.",
        "join.confirm": "Join the {time} meeting?",
        "join.denied": "OK, I won't join.",
        "join.placed.shared": "Joining the meeting. The room phone will ring first.",
        "join.placed.personal": "Joining {subject}. Your phone will ring first.",
        "join.requested.shared": "I've asked to join the meeting. The room phone should ring shortly.",
        "join.requested.personal": "I've asked to join {subject}. Your phone should ring shortly.",
        "join.your_meeting": "your meeting",
        "join.no_meeting": "I can't see a meeting with a dial-in number now or in the next 15 minutes.",
        "join.no_dial_in": "I can't see a dial-in number in this meeting's invitation.",
        "progress.call": "One moment, I'm placing the call.",
        "progress.join": "One moment, I'm looking for the meeting.",
    },
    "ja-JP": {
        "call.ask_who": "どなたに電話しますか?お名前をお話しください。",
        "call.ask_number": "何番に電話しますか?番号をお話しください。",
        "call.which": "{first}さんと{second}さんのどちらですか?",
        "call.nobody": "名簿に{name}さんが見つかりませんでした。",
        "call.nobody_heard": "どなたに電話するか聞き取れませんでした。お名前をお話しください。",
        "call.no_number": "{name}さんの電話番号が登録されていません。",
        "call.no_such_phone": "{name}さんの{phone}の番号が登録されていません。",
        "call.other_phone": "{name}さんの{phone}の番号は登録されていません。{other}にかけますか?",
        "call.confirm": "{name}さんの{phone}に電話しますか?",
        "call.phone.mobile": "携帯電話",
        "call.phone.office": "会社の電話",
        "call.phone.home": "自宅の電話",
        "call.confirm.reception": "受付に電話しますか?",
        "call.confirm_number.shared": "おっしゃった番号に電話しますか?",
        "call.confirm_number.personal": '<say-as interpret-as="telephone">{number}</say-as>に電話しますか?',
        "call.denied": "かしこまりました。電話はしません。",
        "call.placed.shared": "{name}さんに電話します。先に部屋の電話が鳴ります。",
        "call.placed.personal": "{name}さんに電話します。先にお手元の電話が鳴り、その後おつなぎします。",
        "call.placed_number.shared": "おっしゃった番号に電話します。先に部屋の電話が鳴ります。",
        "call.placed_number.personal": (
            '<say-as interpret-as="telephone">{number}</say-as>に電話します。先にお手元の電話が鳴ります。'
        ),
        "call.requested.shared": "{name}さんへの発信を依頼しました。まもなく部屋の電話が鳴ります。",
        "call.requested.personal": "{name}さんへの発信を依頼しました。まもなくお手元の電話が鳴ります。",
        "call.requested_number.shared": "おっしゃった番号への発信を依頼しました。まもなく部屋の電話が鳴ります。",
        "call.requested_number.personal": (
            '<say-as interpret-as="telephone">{number}</say-as>への発信を依頼しました。まもなくお手元の電話が鳴ります。'
        ),
        "call.refused.emergency": "緊急通報はできません。電話機をお使いください。",
        "call.refused.premium": "有料番号には電話できません。",
        "call.refused.number_type": "その種類の番号には電話できません。",
        "call.refused.country": "その国への発信はここでは許可されていません。",
        "call.refused.blocked": "その番号への発信はここでは許可されていません。",
        "call.not_here.employees": "ここから社内の方には電話できません。{name}さんにはご自分の電話からおかけください。",
        "call.not_here.contacts": "ここから社外へは電話できません。{name}さんにはご自分の電話からおかけください。",
        "call.not_here.numbers": "ここから番号には電話できません。ご自分の電話からおかけください。",
        "call.invalid": "かけられる電話番号ではないようです。",
        "call.no_phone.room": ("この部屋には発信用の電話が設定されていません。管理者に設定を依頼してください。"),
        "call.no_phone.user": ("発信用の携帯電話や会社の電話が設定されていません。管理者に設定を依頼してください。"),
        "call.failed": "電話をかけられませんでした。少ししてからもう一度お試しください。",
        "join.confirm": "{time}の会議に参加しますか?",
        "join.denied": "かしこまりました。参加しません。",
        "join.placed.shared": "会議に参加します。先に部屋の電話が鳴ります。",
        "join.placed.personal": "{subject}に参加します。先にお手元の電話が鳴ります。",
        "join.requested.shared": "会議への参加を依頼しました。まもなく部屋の電話が鳴ります。",
        "join.requested.personal": "{subject}への参加を依頼しました。まもなくお手元の電話が鳴ります。",
        "join.your_meeting": "会議",
        "join.no_meeting": "今から十五分以内に、ダイヤルイン番号のある会議は見つかりません。",
        "join.no_dial_in": "この会議の招待にダイヤルイン番号が見つかりません。",
        "progress.call": "少々お待ちください。電話をおかけします。",
        "progress.join": "少々お待ちください。会議を探しています。",
    },
}

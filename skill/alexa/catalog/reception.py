"""Messages of the reception capability.

The lobby speaks only first names back to the visitor, at most two candidate host names, and never a
phone number or an email address. "No match" neither confirms nor denies that anyone works here. At
check-out it speaks a visitor's name only as the speaker said it, and asks for a whole name in the same
words whether or not a visitor by part of it is on site.
"""

MESSAGES: dict[str, dict[str, str]] = {
    "en-US": {
        "checkin.ask_name": "Welcome. What's your name?",
        "checkin.ask_host": "Thanks, {visitor}. Who are you here to see?",
        "checkin.no_match": (
            "Sorry, I couldn't match that name. Please say the full name of the person you're here to see."
        ),
        "checkin.which": "{first} or {second}?",
        "checkin.confirm": "{visitor}, here to see {host}. Is that right?",
        "checkin.confirm_company": "{visitor} from {company}, here to see {host}. Is that right?",
        "checkin.restart": "Let's start again. What's your name?",
        "checkin.done": "Thanks, {visitor}. {host} knows you're here.",
        "checkin.done_expected": "Welcome, {visitor}. {host} knows you're here.",
        "checkout.ask_name": "Sure. What's your full name?",
        "checkout.full_name": "Please say your full name, as you gave it when you checked in.",
        "checkout.confirm": "Check out {visitor}?",
        "checkout.denied": "Okay, nothing changed.",
        "checkout.done": "Goodbye, {visitor}. Thanks for visiting.",
        "checkout.not_found": "I couldn't find a visit under that name, so nothing changed.",
        "expect.personal_only": "You can register visitors from your own device.",
        "expect.ask_name": "Who are you expecting?",
        "expect.ask_date": "What day is {visitor} coming?",
        "expect.ask_time": "At what time?",
        "expect.bad_date": "Sorry, I need a single day. What day is {visitor} coming?",
        "expect.bad_time": "Sorry, I need a time such as ten thirty. At what time?",
        "expect.past": "That time has already passed. What day is {visitor} coming?",
        "expect.confirm": "I'll expect {visitor} on {day} at {time}. Is that right?",
        "expect.done": "Done. Reception will greet {visitor} by name.",
        "expect.denied": "Okay, I haven't registered anyone.",
    },
    "ja-JP": {
        "checkin.ask_name": "いらっしゃいませ。お名前を教えていただけますか?",
        "checkin.ask_host": "{visitor}様、ありがとうございます。どなたをご訪問ですか?",
        "checkin.no_match": (
            "申し訳ありません、そのお名前が見つかりませんでした。訪問先の方のフルネームをお話しください。"
        ),
        "checkin.which": "{first}さんと{second}さんのどちらをご訪問ですか?",
        "checkin.confirm": "{visitor}様、{host}さんへのご訪問でよろしいですか?",
        "checkin.confirm_company": "{company}の{visitor}様、{host}さんへのご訪問でよろしいですか?",
        "checkin.restart": "最初からやり直します。お名前を教えていただけますか?",
        "checkin.done": "{visitor}様、ありがとうございます。{host}さんにお知らせしました。",
        "checkin.done_expected": "{visitor}様、ようこそ。{host}さんにお知らせしました。",
        "checkout.ask_name": "かしこまりました。フルネームを教えていただけますか?",
        "checkout.full_name": "チェックインの際と同じく、フルネームでお話しください。",
        "checkout.confirm": "{visitor}様のチェックアウトでよろしいですか?",
        "checkout.denied": "かしこまりました。何も変更していません。",
        "checkout.done": "{visitor}様、ご来訪ありがとうございました。",
        "checkout.not_found": "そのお名前のご訪問が見つからなかったため、何も変更していません。",
        "expect.personal_only": "来客の登録はご自分のデバイスから行えます。",
        "expect.ask_name": "どなたがいらっしゃいますか?",
        "expect.ask_date": "{visitor}様は何日にいらっしゃいますか?",
        "expect.ask_time": "何時にいらっしゃいますか?",
        "expect.bad_date": "すみません、日付を一日だけお話しください。{visitor}様は何日にいらっしゃいますか?",
        "expect.bad_time": "すみません、十時半のように時刻をお話しください。何時にいらっしゃいますか?",
        "expect.past": "その時刻はもう過ぎています。{visitor}様は何日にいらっしゃいますか?",
        "expect.confirm": "{visitor}様を{day}の{time}にお待ちします。よろしいですか?",
        "expect.done": "登録しました。受付で{visitor}様をお名前でお迎えします。",
        "expect.denied": "かしこまりました。登録はしていません。",
    },
}

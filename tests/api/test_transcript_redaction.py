"""Staff transcripts mask personal numbers; the store keeps the original words."""
from tests.support import Chat, cn_case


def test_transcript_masks_phone_and_id_numbers_but_the_store_keeps_them(client):
    chat = Chat(client, cn_case())
    chat.say("我是张伟,手机13800138000,身份证110101199003071234")
    shown = [t["text"] for t in chat.transcript()["turns"] if t["speaker"] == "borrower"][0]
    assert "13800138000" not in shown and "110101199003071234" not in shown
    assert "8000" in shown and "1234" in shown

    _, turns, _ = client.app.state.services.store.transcript(chat.id)
    assert "13800138000" in [t.text for t in turns if t.speaker == "borrower"][0]

"""Fills an IMAP mailbox for bench/email.sh with N messages: plain text, HTML, and some with a
small attachment, from the seeded contacts (contact{i}@… addresses are passed in)."""
import base64, imaplib, sys

port, user, password, count, senders = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5].split(",")
box = imaplib.IMAP4("127.0.0.1", port)
box.login(user, password)
png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(200)).decode()
for n in range(count):
    sender = senders[n % len(senders)]
    head = f"From: {sender}\r\nTo: {user}\r\nSubject: Bench message {n}\r\nMessage-ID: <bench-{n}@bench.test>\r\nMIME-Version: 1.0\r\n"
    if n % 3 == 0:
        body = head + "Content-Type: text/plain; charset=utf-8\r\n\r\nThe printer is offline again.\r\n"
    elif n % 3 == 1:
        body = head + "Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>The <b>VPN</b> drops every hour.</p></body></html>\r\n"
    else:
        body = (head + 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
                "Screenshot attached.\r\n--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; "
                f'filename="shot{n}.png"\r\nContent-Transfer-Encoding: base64\r\n\r\n{png}\r\n--b--\r\n')
    box.append("INBOX", None, None, body.encode())
box.logout()

//! The kinds of mail, each with its shipped template and sample values (which document its
//! variables).

use std::sync::LazyLock;

use serde_json::{Map, Value, json};

use super::TemplateKind;

fn common(extra: Value) -> Value {
    let mut base = json!({
        "tenant": {"name": "Acme IT"},
        "recipient": {"name": "Ann Archer", "email": "ann@customer.example"},
    });
    merge(&mut base, extra);
    base
}

fn merge(base: &mut Value, extra: Value) {
    if let (Value::Object(base), Value::Object(extra)) = (base, extra) {
        base.extend(extra);
    }
}

fn sample_ticket() -> Value {
    json!({
        "ticket": {
            "id": 1234, "summary": "Printer on floor 2 is offline",
            "description": "It shows error 0x51 since this morning.",
            "status": "New", "priority": "Normal", "queue": "Service Desk",
            "createdOn": "2026-12-01T09:30:00Z",
            "url": "https://acme.example.com/portal/deeplink?name=ticket&ticket_id=1234",
        },
        "contact": {"id": 7, "firstName": "Ann", "lastName": "Archer", "name": "Ann Archer",
                    "email": "ann@customer.example"},
        "company": {"id": 3, "name": "Customer Ltd"},
        "actor": {"name": "Sam Tech"},
    })
}

fn ticket_sample_with(extra: Value) -> Value {
    let mut v = sample_ticket();
    merge(&mut v, extra);
    common(v)
}

fn unsubscribe() -> Value {
    json!({"unsubscribeUrl": "https://acme.example.com/api/v2/public/email/unsubscribe?token=…"})
}

fn note() -> Value {
    json!({"note": {"id": 55, "body": "We have ordered a new fuser; it arrives tomorrow.",
                    "authorName": "Sam Tech"}})
}

fn sla() -> Value {
    json!({"sla": {"target": "firstResponse", "targetName": "First response",
                   "dueAt": "2026-12-01 11:30 UTC", "policyName": "Standard"}})
}

fn survey() -> Value {
    json!({"survey": {"name": "After closing", "question": "How did we do?",
                      "kind": "five_star",
                      "url": "https://acme.example.com/portal/survey?token=…",
                      "answerUntil": "2026-12-08T09:30:00Z"}})
}

fn with_all(parts: Vec<Value>) -> Value {
    let mut out = Value::Object(Map::new());
    for part in parts {
        merge(&mut out, part);
    }
    out
}

const TICKET_HTML: &str = "<p>Hello {{ recipient.name }},</p>\n";
const TICKET_FOOTER: &str = "<p><a href=\"{{ ticket.url }}\">View ticket #{{ ticket.id }}</a></p>\n<p>{{ tenant.name }}</p>\n";

pub static KINDS: LazyLock<Vec<TemplateKind>> = LazyLock::new(|| {
    vec![
        TemplateKind {
            name: "ticket_created",
            description: "To the contact: their ticket was received.",
            subject: "[#{{ ticket.id }}] We received your request: {{ ticket.summary }}",
            html: concat_html(&[
                TICKET_HTML,
                "<p>We have received your request <strong>{{ ticket.summary }}</strong> and will be in touch.</p>\n",
                TICKET_FOOTER,
            ]),
            sample: || with_all(vec![ticket_sample_with(json!({})), unsubscribe()]),
        },
        TemplateKind {
            name: "public_note",
            description: "To the contact: a public reply on their ticket.",
            subject: "[#{{ ticket.id }}] {{ ticket.summary }}",
            html: concat_html(&[
                TICKET_HTML,
                "<p>{{ note.authorName }} wrote:</p>\n<blockquote>{{ note.body | newline_to_br }}</blockquote>\n",
                TICKET_FOOTER,
            ]),
            sample: || with_all(vec![ticket_sample_with(note()), unsubscribe()]),
        },
        TemplateKind {
            name: "status_changed",
            description: "To the contact: their ticket moved to a status the tenant chose.",
            subject: "[#{{ ticket.id }}] Now {{ ticket.status }}: {{ ticket.summary }}",
            html: concat_html(&[
                TICKET_HTML,
                "<p>Your ticket <strong>{{ ticket.summary }}</strong> is now <strong>{{ ticket.status }}</strong>.</p>\n",
                TICKET_FOOTER,
            ]),
            sample: || with_all(vec![ticket_sample_with(json!({})), unsubscribe()]),
        },
        TemplateKind {
            name: "ticket_closed",
            description: "To the contact: their ticket was closed.",
            subject: "[#{{ ticket.id }}] Closed: {{ ticket.summary }}",
            html: concat_html(&[
                TICKET_HTML,
                "<p>Your ticket <strong>{{ ticket.summary }}</strong> has been closed. Reply to this message if you need more help.</p>\n",
                TICKET_FOOTER,
            ]),
            sample: || with_all(vec![ticket_sample_with(json!({})), unsubscribe()]),
        },
        TemplateKind {
            name: "approval_requested",
            description: "To each approver of the ticket's company: a ticket waits for approval.",
            subject: "[#{{ ticket.id }}] Approval needed: {{ ticket.summary }}",
            html: concat_html(&[
                TICKET_HTML,
                "<p>{{ contact.name }} asked for <strong>{{ ticket.summary }}</strong>, which needs your approval.</p>\n",
                TICKET_FOOTER,
            ]),
            sample: || ticket_sample_with(json!({})),
        },
        TemplateKind {
            name: "ticket_assigned",
            description: "To a member: a ticket was assigned to them.",
            subject: "[#{{ ticket.id }}] Assigned to you: {{ ticket.summary }}",
            html: concat_html(&[
                TICKET_HTML,
                "<p>{{ actor.name }} assigned you <strong>{{ ticket.summary }}</strong> ({{ company.name }}, {{ ticket.priority }}).</p>\n",
                TICKET_FOOTER,
            ]),
            sample: || with_all(vec![ticket_sample_with(json!({})), unsubscribe()]),
        },
        TemplateKind {
            name: "contact_replied",
            description: "To the ticket's members: the contact replied.",
            subject: "[#{{ ticket.id }}] {{ contact.name }} replied: {{ ticket.summary }}",
            html: concat_html(&[
                TICKET_HTML,
                "<p>{{ note.authorName }} wrote:</p>\n<blockquote>{{ note.body | newline_to_br }}</blockquote>\n",
                TICKET_FOOTER,
            ]),
            sample: || with_all(vec![ticket_sample_with(note()), unsubscribe()]),
        },
        TemplateKind {
            name: "member_mentioned",
            description: "To a member mentioned in a note (`@` and their email address).",
            subject: "[#{{ ticket.id }}] {{ note.authorName }} mentioned you: {{ ticket.summary }}",
            html: concat_html(&[
                TICKET_HTML,
                "<p>{{ note.authorName }} mentioned you:</p>\n<blockquote>{{ note.body | newline_to_br }}</blockquote>\n",
                TICKET_FOOTER,
            ]),
            sample: || with_all(vec![ticket_sample_with(note()), unsubscribe()]),
        },
        TemplateKind {
            name: "sla_warning",
            description: "To the ticket's assignees: an SLA target falls due soon.",
            subject: "[#{{ ticket.id }}] {{ sla.targetName }} due {{ sla.dueAt }}: {{ ticket.summary }}",
            html: concat_html(&[
                TICKET_HTML,
                "<p>The {{ sla.targetName | downcase }} target of <strong>{{ ticket.summary }}</strong> ({{ sla.policyName }}) falls due at {{ sla.dueAt }}.</p>\n",
                TICKET_FOOTER,
            ]),
            sample: || with_all(vec![ticket_sample_with(sla()), unsubscribe()]),
        },
        TemplateKind {
            name: "sla_breached",
            description: "To the ticket's assignees: an SLA target was missed.",
            subject: "[#{{ ticket.id }}] {{ sla.targetName }} overdue: {{ ticket.summary }}",
            html: concat_html(&[
                TICKET_HTML,
                "<p>The {{ sla.targetName | downcase }} target of <strong>{{ ticket.summary }}</strong> ({{ sla.policyName }}) was due at {{ sla.dueAt }} and is now overdue.</p>\n",
                TICKET_FOOTER,
            ]),
            sample: || with_all(vec![ticket_sample_with(sla()), unsubscribe()]),
        },
        TemplateKind {
            name: "survey",
            description: "To the contact, when their closed ticket is sent a satisfaction survey.",
            subject: "[#{{ ticket.id }}] {{ survey.question }}",
            html: concat_html(&[
                TICKET_HTML,
                "<p>Your ticket <strong>{{ ticket.summary }}</strong> was closed. {{ survey.question }}</p>\n<p><a href=\"{{ survey.url }}\">Answer in one click</a> (open until {{ survey.answerUntil }}).</p>\n<p>{{ tenant.name }}</p>\n",
            ]),
            sample: || with_all(vec![ticket_sample_with(survey()), unsubscribe()]),
        },
        TemplateKind {
            name: "login_code",
            description: "To a contact who asked to sign in with a code.",
            subject: "Your sign-in code for {{ tenant.name }}",
            html: "<p>Hello {{ recipient.name }},</p>\n<p>Your sign-in code is <strong>{{ code }}</strong>. It expires in {{ expiresInMinutes }} minutes.</p>\n<p>If you did not ask for it, ignore this message.</p>\n",
            sample: || common(json!({"code": "493817", "expiresInMinutes": 15})),
        },
        TemplateKind {
            name: "broadcast",
            description: "To the contacts a broadcast is for, when it is sent also by email.",
            subject: "{{ broadcast.title }}",
            html: "<p>Hello {{ recipient.name }},</p>\n<p>{{ broadcast.body | newline_to_br }}</p>\n<p>{{ tenant.name }}</p>\n",
            sample: || {
                with_all(vec![
                    common(json!({"broadcast": {"title": "Planned maintenance",
                                                 "body": "Email will be unavailable on Saturday 06:00–08:00."}})),
                    unsubscribe(),
                ])
            },
        },
        TemplateKind {
            name: "test",
            description: "The message the test-send endpoint sends.",
            subject: "Test message from {{ tenant.name }}",
            html: "<p>This is a test message from {{ tenant.name }}'s helpdesk. Mail is working.</p>\n",
            sample: || common(json!({})),
        },
    ]
});

/// The default bodies are joined once; leaked, as they live as long as the process.
fn concat_html(parts: &[&str]) -> &'static str {
    Box::leak(parts.concat().into_boxed_str())
}

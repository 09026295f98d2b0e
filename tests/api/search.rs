//! The staff ticket search by words: stems, phrases, prefixes, or, not, relevance, totals, and the
//! word index kept true through edits, merges, archiving and other tenants.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    support::TestApp,
    tickets::{Desk, desk},
};

/// The ids and the whole answer of the admin search for `q` (URL-encoded here).
async fn search(d: &Desk<'_>, q: &str, rest: &str) -> (Vec<i64>, Value) {
    let r = d
        .admin(
            Method::GET,
            &format!(
                "/tickets?{}{rest}",
                serde_urlencoded::to_string([("q", q)]).unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
    let ids = r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    (ids, r.json)
}

async fn found(d: &Desk<'_>, q: &str) -> Vec<i64> {
    search(d, q, "&sort=id").await.0
}

#[tokio::test]
async fn words_phrases_prefixes_or_and_not_find_tickets_by_their_text_and_notes() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    for (summary, description) in [
        (
            "Kerberos ticket expired",
            "Cannot reset password after the change",
        ),
        ("Password reset needed", "The kerberos realm is fine"),
        ("Printer toner low", ""),
        ("VPN drops at night", "wifi is stable"),
        ("Wifi slow upstairs", "Kerberoasting alert from the SOC"),
    ] {
        d.raise(summary, json!({"description": description})).await;
    }
    // A word in a note counts, and words may be spread over the text and the notes.
    let r = d
        .admin(
            Method::POST,
            "/tickets/3/notes",
            Some(json!({"note": "Ordered a new cartridge", "isInternal": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    assert_eq!(
        found(&d, "kerberos").await,
        [1, 2],
        "stems: kerberos, not kerberoasting"
    );
    assert_eq!(found(&d, "kerb*").await, [1, 2, 5], "a prefix");
    assert_eq!(
        found(&d, "KERBER*").await,
        [1, 2, 5],
        "case does not matter"
    );
    assert_eq!(
        found(&d, "passwords resetting").await,
        [1, 2],
        "every word, stemmed"
    );
    assert_eq!(
        found(&d, "\"reset password\"").await,
        [1],
        "a phrase keeps its order"
    );
    assert_eq!(found(&d, "\"password reset\"").await, [2]);
    assert_eq!(
        found(&d, "toner cartridge").await,
        [3],
        "the summary and a note together"
    );
    assert_eq!(found(&d, "vpn or wifi").await, [4, 5]);
    assert_eq!(found(&d, "wifi -vpn").await, [5]);
    assert_eq!(found(&d, "kerb* -\"reset password\"").await, [2, 5]);
    assert_eq!(found(&d, "-kerb* -wifi").await, [3], "only words left out");
    assert_eq!(
        found(&d, "the of").await,
        Vec::<i64>::new(),
        "stop words find nothing"
    );
    assert_eq!(
        found(&d, "\" - *").await,
        Vec::<i64>::new(),
        "nothing to look for"
    );
    assert_eq!(
        found(&d, "it's \\' & | ! ( ) : <->").await,
        Vec::<i64>::new()
    );

    // Totals are exact; relevance puts the ticket that says it most first.
    let (_, page) = search(&d, "kerb*", "&take=1").await;
    assert_eq!(
        (
            &page["totalResults"],
            &page["hasMore"],
            page.get("totalCapped")
        ),
        (&json!(3), &json!(true), None)
    );
    d.admin(
        Method::PATCH,
        "/tickets/4",
        Some(json!({"summary": "VPN VPN vpn: the VPN is down"})),
    )
    .await;
    let (ranked, _) = search(&d, "vpn or wifi", "&sort=relevance").await;
    assert_eq!(ranked[0], 4, "{ranked:?}");
    let r = d.admin(Method::GET, "/tickets?sort=relevance", None).await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "sort");
}

#[tokio::test]
async fn the_word_index_follows_edits_merges_archiving_and_stays_in_its_tenant() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    let other = desk(&app, "globex").await;
    for desk in [&d, &other] {
        desk.contact(1, "ann@customer.test", json!({})).await;
        for summary in ["Outlook crashes", "Teams will not start"] {
            desk.raise(summary, json!({})).await;
        }
    }
    d.admin(
        Method::POST,
        "/tickets/2/notes",
        Some(json!({"note": "Reinstalled the calendar plugin"})),
    )
    .await;
    assert_eq!(
        found(&d, "outlook").await,
        [1],
        "the other tenant's ticket 1 is not counted"
    );
    let (_, page) = search(&d, "outlook", "").await;
    assert_eq!(page["totalResults"], 1);

    // A new summary replaces the old words.
    d.admin(
        Method::PATCH,
        "/tickets/1",
        Some(json!({"summary": "Mailbox full"})),
    )
    .await;
    assert_eq!(found(&d, "outlook").await, Vec::<i64>::new());
    assert_eq!(found(&d, "mailbox").await, [1]);

    // Merging moves the notes, and their words, to the ticket merged into.
    let r = d
        .admin(
            Method::POST,
            "/tickets/2/merge",
            Some(json!({"intoTicketId": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(found(&d, "calendar plugin").await, [1]);

    // Archived tickets are left out unless asked for, and counted accordingly.
    d.admin(Method::DELETE, "/tickets/1", None).await;
    let (ids, page) = search(&d, "mailbox", "").await;
    assert_eq!((ids.len(), &page["totalResults"]), (0, &json!(0)));
    let (ids, page) = search(&d, "mailbox", "&includeArchived=true").await;
    assert_eq!((ids, &page["totalResults"]), (vec![1], &json!(1)));

    // Other filters combine with the words.
    assert_eq!(found(&other, "outlook or teams").await, [1, 2]);
    let (ids, page) = search(
        &other,
        "outlook or teams",
        "&contactId=1&status=open&take=1",
    )
    .await;
    assert_eq!((ids, &page["totalResults"]), (vec![2], &json!(2)));
}

#[tokio::test]
async fn totals_are_exact_up_to_twenty_thousand_and_say_so_beyond() {
    let app = TestApp::new().await;
    let t = app.tenant("bulk").await;
    let key = app.api_key(&t, "read_write").await;
    // Every seeded description says "Steps tried: restarted, …".
    let out = crate::cli::deskd(&app, &crate::cli::tempdir())
        .args([
            "seed",
            "--tenant",
            "bulk",
            "--companies",
            "10",
            "--contacts",
            "200",
            "--tickets",
            "20005",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let find = |query: &str| {
        let call = app
            .get(&t.host, &format!("/api/v3/admin/tickets?{query}"))
            .auth(&format!("DdApi {key}"));
        async move {
            let r = call.send().await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.json
        }
    };
    let all = find("q=restarted&take=100").await;
    assert_eq!(
        (&all["totalResults"], &all["totalCapped"], &all["hasMore"]),
        (&json!(20_000), &json!(true), &json!(true))
    );
    // The page is still in order of last change, most recent first.
    let times: Vec<&str> = all["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["modifiedOn"].as_str().unwrap())
        .collect();
    assert_eq!(times.len(), 100);
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    let newest = find("take=1").await;
    assert_eq!(all["results"][0]["id"], newest["results"][0]["id"]);

    // Below the bound, exact again: a narrower search, and the same one within a filter.
    let some = find("q=restarted%20kerberos").await;
    let n = some["totalResults"].as_i64().unwrap();
    assert!((100..400).contains(&n), "{n}");
    assert_eq!(some.get("totalCapped"), None);
    // Its pages, taken from the listed ids (walking the order's index, or sorting the ids), are
    // the pages the general search gives (archived tickets asked for, there are none).
    for sort in [
        "",
        "&sort=updated",
        "&sort=-created",
        "&sort=created",
        "&sort=id",
        "&sort=-id",
    ] {
        for window in ["&take=100", "&skip=40&take=30"] {
            let query = format!("q=restarted%20kerberos{sort}{window}");
            let listed = find(&query).await;
            let general = find(&format!("{query}&includeArchived=true")).await;
            assert_eq!(listed["results"], general["results"], "{query}");
            assert_eq!(listed["totalResults"], some["totalResults"], "{query}");
        }
    }
    let queue = find("q=restarted&queueId=1&status=open").await;
    let counted = find("queueId=1&status=open").await;
    assert_eq!(queue["totalResults"], counted["totalResults"]);
    assert_eq!(queue.get("totalCapped"), None);
    // Matches bunched at the far end of the walk (the newest tickets, walked oldest first) take
    // it more than one chunk.
    for _ in 0..150 {
        let r = app
            .post(&t.host, "/api/v3/admin/tickets")
            .auth(&format!("DdApi {key}"))
            .json(json!({"summary": "Zebra crossing lights", "contactId": 1, "queueId": 1}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let query = "q=zebra&sort=updated&skip=60&take=50";
    let listed = find(query).await;
    let general = find(&format!("{query}&includeArchived=true")).await;
    assert_eq!(listed["results"], general["results"]);
    assert_eq!(listed["results"].as_array().unwrap().len(), 50);
}

//! Mail text: HTML made plain (for text parts and HTML-only mail), active elements stripped, quoted
//! history cut from replies, ticket tokens read from subjects, header values made one line. All
//! linear in their input, as they see whatever a sender writes.

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A plain-text part from the HTML one: block ends become line breaks, links keep their address,
/// tags go, entities are decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut href: Option<String> = None;
    while let Some(start) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..start]));
        let Some(end) = rest[start..].find('>') else {
            rest = &rest[start..];
            break;
        };
        let tag = &rest[start + 1..start + end];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let closing = tag.starts_with('/');
        match name.as_str() {
            "br" => out.push('\n'),
            "p" | "div" | "blockquote" | "h1" | "h2" | "h3" | "h4" | "tr" | "li" | "table"
                if closing =>
            {
                out.push('\n')
            }
            "li" => out.push_str("- "),
            "a" if !closing => href = attribute(tag, "href"),
            "a" => {
                if let Some(link) = href.take() {
                    out.push_str(&format!(" <{}>", decode_entities(&link)));
                }
            }
            _ => {}
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(&decode_entities(rest));
    // No run of more than one blank line, no trailing spaces.
    let mut lines: Vec<&str> = vec![];
    for line in out.lines().map(str::trim_end) {
        if line.is_empty() && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(line);
    }
    lines.join("\n").trim().to_string() + "\n"
}

pub fn attribute(tag: &str, name: &str) -> Option<String> {
    let pos = tag.find(&format!("{name}="))?;
    let rest = &tag[pos + name.len() + 1..];
    let quote = rest.chars().next()?;
    if quote == '"' || quote == '\'' {
        rest[1..].split(quote).next().map(str::to_string)
    } else {
        rest.split_whitespace().next().map(str::to_string)
    }
}

pub fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// A header's text without control characters (a NUL would not even fit in the database).
pub fn one_line(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_string()
}

/// Removes `<script>`, `<style>`, `<head>` and `<title>` elements with their content, in one pass.
pub fn strip_active(html: &str) -> String {
    const ACTIVE: [&str; 4] = ["script", "style", "head", "title"];
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut i = 0;
    let mut kept_from = 0;
    while let Some(offset) = html[i..].find('<') {
        let start = i + offset;
        let name_at = start + 1;
        let tag = ACTIVE.iter().find(|t| {
            let end = name_at + t.len();
            bytes.len() >= end
                && bytes[name_at..end].eq_ignore_ascii_case(t.as_bytes())
                && bytes
                    .get(end)
                    .is_none_or(|c| c.is_ascii_whitespace() || *c == b'>' || *c == b'/')
        });
        let Some(tag) = tag else {
            i = start + 1;
            continue;
        };
        out.push_str(&html[kept_from..start]);
        // The element ends after its closing tag, or with the text.
        let closing = format!("</{tag}");
        let end = find_ignoring_case(&html[name_at..], &closing)
            .and_then(|c| html[name_at + c..].find('>').map(|g| name_at + c + g + 1))
            .unwrap_or(html.len());
        i = end;
        kept_from = end;
    }
    out.push_str(&html[kept_from..]);
    out
}

/// Where `needle` (ASCII) starts in `haystack`, ignoring ASCII case.
pub fn find_ignoring_case(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// The reply without the history quoted below it.
pub fn cut_quoted(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    // quoted_from[i]: every line from i on is quoted or blank (computed once, from the end).
    let mut quoted_from = vec![true; lines.len() + 1];
    for i in (0..lines.len()).rev() {
        let l = lines[i].trim();
        quoted_from[i] = quoted_from[i + 1] && (l.is_empty() || l.starts_with('>'));
    }
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate() {
        let l = line.trim();
        let attribution = l.starts_with("On ") && l.ends_with("wrote:");
        let outlook = l.starts_with("-----Original Message-----")
            || (l.starts_with("From:")
                && i > 0
                && lines[i - 1].trim().is_empty()
                && lines.get(i + 1).is_some_and(|n| {
                    let n = n.trim();
                    n.starts_with("Sent:") || n.starts_with("Date:") || n.starts_with("To:")
                }));
        let quoted_tail = l.starts_with('>') && quoted_from[i];
        if attribution || outlook || quoted_tail {
            end = i;
            break;
        }
    }
    let kept = lines[..end].join("\n");
    let kept = kept.trim();
    if kept.is_empty() {
        text.trim().to_string()
    } else {
        kept.to_string()
    }
}

/// `[#1234]` in a subject.
pub fn subject_token(subject: &str) -> Option<i32> {
    let start = subject.find("[#")?;
    let rest = &subject[start + 2..];
    let end = rest.find(']')?;
    rest[..end].trim().parse().ok().filter(|n: &i32| *n > 0)
}

pub fn count_ignoring_case(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| w.eq_ignore_ascii_case(needle))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_text_with_links() {
        let text = html_to_text("<p>Hi &amp; bye</p><p><a href=\"https://x.test/1\">View</a></p>");
        assert_eq!(text, "Hi & bye\nView <https://x.test/1>\n");
    }

    #[test]
    fn active_elements_go_and_lookalikes_stay() {
        assert_eq!(
            strip_active("<p>a</p><SCRIPT>x()</script ><header>h</header><style>p{}</style>b"),
            "<p>a</p><header>h</header>b"
        );
        assert_eq!(strip_active("ok<title>never closed"), "ok");
        assert_eq!(strip_active("é<scriptx>ü"), "é<scriptx>ü");
    }

    #[test]
    fn quoted_history_is_cut_and_long_quotes_are_cheap() {
        assert_eq!(cut_quoted("Thanks!\n\nOn Mon, Ann wrote:\n> hi"), "Thanks!");
        assert_eq!(cut_quoted("Yes\n> a\n>\n> b\n"), "Yes");
        assert_eq!(cut_quoted("> only quotes"), "> only quotes");
        let long = format!("Reply\n{}", "> quoted\n".repeat(50_000));
        assert_eq!(cut_quoted(&long), "Reply");
    }

    #[test]
    fn subject_tokens() {
        assert_eq!(subject_token("Re: [#1234] Printer"), Some(1234));
        assert_eq!(subject_token("[#0] x"), None);
        assert_eq!(subject_token("[#é] x"), None);
        assert_eq!(subject_token("no token"), None);
    }
}

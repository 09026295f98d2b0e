//! Markdown to safe HTML, for content pages and Learning Center articles: rendered by
//! `pulldown-cmark` (tables, strikethrough, task lists), then cleaned by `ammonia`, which keeps
//! formatting and drops scripts, event handlers, styles and every URL that is not http(s), mailto
//! or relative (so `javascript:` links are gone). Links get `rel="noopener noreferrer"`.

use pulldown_cmark::{Options, Parser, html};

/// The sanitised HTML of `markdown`.
pub fn to_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .clean(&raw)
        .to_string()
}

/// The words of `markdown` without its markup, for search and excerpts.
pub fn to_text(markdown: &str) -> String {
    let html = to_html(markdown);
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_javascript_links_are_stripped() {
        let html = to_html(
            "# Hi\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) \
             <img src=x onerror=alert(1)> [ok](https://example.com)",
        );
        assert!(html.contains("<h1>Hi</h1>"), "{html}");
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("javascript"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(html.contains(r#"href="https://example.com""#), "{html}");
        assert_eq!(to_text("**Bold** & <b>tag</b>"), "Bold & tag");
    }
}

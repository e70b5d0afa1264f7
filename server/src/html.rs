//! The service's pages, in Chinese: the login and online-check form of an office, and the
//! page a scanned QR code opens. Every value is HTML-escaped; no inline script or style (the
//! content security policy forbids both).

use chrono::{DateTime, Utc};
use gradreg::{Disclosure, Verdict};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

/// The style sheet, served at `/assets/style.css`.
pub const STYLE: &str = "body{font-family:system-ui,'Noto Sans CJK SC','PingFang SC',sans-serif;max-width:46rem;margin:1.5rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.1rem;border-bottom:1px solid #ccc;margin-top:1.4rem}
.verdict{padding:.8rem 1rem;border-radius:.3rem;font-size:1.15rem;font-weight:600}
.ok{background:#e6f4ea;border:1px solid #34a853}.bad{background:#fce8e6;border:1px solid #d93025}
.warn{background:#fef7e0;border:1px solid #f9ab00}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:.35rem .5rem;text-align:left}
th{width:11rem;background:#f4f4f4;font-weight:500}label{display:block;margin:.6rem 0 .2rem}
input[type=text],input[type=password]{width:100%;padding:.4rem;font-size:1rem;box-sizing:border-box}
button{margin-top:.8rem;padding:.45rem 1.2rem;font-size:1rem}.muted{color:#666;font-size:.9rem}.inline{display:inline}";

/// A whole page around `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<title>{t}</title><link rel=\"stylesheet\" href=\"/assets/style.css\"></head>\
<body><h1>{t}</h1>\n{body}\n</body></html>\n",
        t = text(title)
    )
}

/// The verdict box: the library's message for the verdict, marked as accepted or not.
pub fn verdict_box(v: &Verdict) -> String {
    let class = if v.is_accepted() {
        "ok"
    } else if matches!(
        v,
        Verdict::RateLimited | Verdict::Indeterminate | Verdict::Typo
    ) {
        "warn"
    } else {
        "bad"
    };
    format!(
        "<p class=\"verdict {class}\" data-verdict=\"{name}\">{msg}</p>",
        name = v.kind().as_str(),
        msg = text(v.kind().message_zh())
    )
}

fn row(out: &mut String, label: &str, value: &str) {
    out.push_str(&format!(
        "<tr><th>{}</th><td>{}</td></tr>",
        text(label),
        text(value)
    ));
}

fn opt_row(out: &mut String, label: &str, value: &Option<String>) {
    if let Some(v) = value {
        if !v.is_empty() {
            row(out, label, v);
        }
    }
}

fn cst(t: DateTime<Utc>) -> String {
    t.with_timezone(&gradreg::policy::cst())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The disclosure laid out as on the form: 基本信息, 毕业去向信息, then 档案转递信息 or 户口迁移信息,
/// with the verification number and the validity.
pub fn disclosure(number: &str, expires_at: Option<DateTime<Utc>>, d: &Disclosure) -> String {
    let mut out = String::new();
    out.push_str("<table>");
    row(&mut out, "核验编号", number);
    if let Some(t) = expires_at {
        row(&mut out, "有效期至", &format!("{}（北京时间）", cst(t)));
    }
    out.push_str("</table><h2>基本信息</h2><table>");
    let i = &d.identity;
    row(&mut out, "姓名", &i.name);
    row(&mut out, "性别", &i.gender);
    row(&mut out, "证件号码", &i.id_number_masked);
    row(&mut out, "毕业院校", &i.school_name);
    row(&mut out, "院系", &i.college);
    row(&mut out, "专业", &i.major_name);
    row(&mut out, "学历", &i.education_level);
    row(&mut out, "毕业日期", &i.graduation_date);
    out.push_str("</table><h2>毕业去向信息</h2><table>");
    let dest = &d.destination;
    row(
        &mut out,
        "毕业去向",
        &format!("{}（{}）", dest.name, dest.code),
    );
    opt_row(&mut out, "单位名称", &dest.employer);
    opt_row(&mut out, "统一社会信用代码", &dest.employer_credit_code);
    opt_row(&mut out, "单位所在地", &dest.employer_region);
    opt_row(&mut out, "升学/留学院校", &dest.school);
    opt_row(&mut out, "留学国家（地区）", &dest.country_region);
    out.push_str("</table>");
    if let Some(a) = &d.archive {
        out.push_str("<h2>档案转递信息</h2><table>");
        row(&mut out, "档案接收单位", &a.receiving_unit);
        row(&mut out, "接收单位地址", &a.address);
        row(&mut out, "邮政编码", &a.postal_code);
        row(&mut out, "联系人", &a.contact);
        row(&mut out, "联系电话", &a.phone);
        row(&mut out, "转递方式", a.method.name_zh());
        opt_row(&mut out, "转递编号", &a.transfer_number);
        opt_row(&mut out, "邮件号", &a.tracking_number);
        out.push_str("</table>");
    }
    if let Some(h) = &d.hukou {
        out.push_str("<h2>户口迁移信息</h2><table>");
        row(
            &mut out,
            "是否迁移户口",
            if h.migrate { "是" } else { "否" },
        );
        if let Some(r) = h.reason {
            row(&mut out, "迁移原因", r.name_zh());
        }
        if h.migrate {
            row(&mut out, "迁入地址", &h.address);
            row(&mut out, "迁入地派出所", &h.police_station);
            row(&mut out, "迁入地行政区划", &h.region);
        }
        out.push_str("</table>");
    }
    out
}

/// The body of a verdict with what it discloses.
pub fn verdict_body(v: &Verdict) -> String {
    let mut out = verdict_box(v);
    match v {
        Verdict::Valid(f) => {
            out.push_str(&disclosure(
                &f.number.to_string(),
                Some(f.expires_at),
                &f.disclosure,
            ));
        }
        Verdict::ValidOffline(f) | Verdict::Unchecked(f) => {
            if let Some(d) = &f.disclosure {
                out.push_str(&disclosure(&f.number.to_string(), Some(f.expires_at), d));
            }
        }
        _ => {}
    }
    out
}

/// The login form (the office's API key, kept in a session cookie after).
pub fn login(error: Option<&str>) -> String {
    let mut body = String::new();
    if let Some(e) = error {
        body.push_str(&format!("<p class=\"verdict bad\">{}</p>", text(e)));
    }
    body.push_str(
        "<form method=\"post\" action=\"/login\">\
<label for=\"key\">本单位的核验密钥（API key）</label>\
<input type=\"password\" id=\"key\" name=\"key\" autocomplete=\"off\" required>\
<button type=\"submit\">登录</button></form>\
<p class=\"muted\">登录后在本浏览器中保持登录（Cookie 仅用于本站，关闭后需重新登录或到期自动退出）。</p>",
    );
    page("核验单位登录", &body)
}

/// The online check form of a logged-in office, with the answer to the last check.
pub fn check(title: &str, office: &str, csrf: &str, answer: Option<&Verdict>) -> String {
    let mut body = format!(
        "<div class=\"muted\">核验单位：{}　<form class=\"inline\" method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\">退出</button></form></div>",
        text(office),
        attr(csrf)
    );
    if let Some(v) = answer {
        body.push_str(&verdict_body(v));
    }
    body.push_str(&format!(
        "<h2>核验</h2><form method=\"post\" action=\"/check\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<label for=\"name\">毕业生姓名</label><input type=\"text\" id=\"name\" name=\"name\" required maxlength=\"64\">\
<label for=\"number\">核验编号或转递编号</label><input type=\"text\" id=\"number\" name=\"number\" required maxlength=\"64\" placeholder=\"XXXX-XXXX-XXXX-XXXX\">\
<button type=\"submit\">核验</button></form>",
        attr(csrf)
    ));
    page(title, &body)
}

/// The page a scanned QR code opens: the verdict for the token, checked against the registry,
/// and a link to the offline verifier.
pub fn token_page(v: &Verdict, recorded_by: Option<&str>, offline_link: Option<&str>) -> String {
    let mut body = verdict_body(v);
    match recorded_by {
        Some(office) => body.push_str(&format!(
            "<p class=\"muted\">本次核验以“{}”的名义记录，毕业生可查看核验记录。</p>",
            text(office)
        )),
        None => body.push_str(
            "<p class=\"muted\">已在线核对登记库中的授权状态。核验单位请先<a href=\"/login\">登录</a>，以便留下核验记录。</p>",
        ),
    }
    if let Some(link) = offline_link {
        body.push_str(&format!(
            "<p class=\"muted\"><a href=\"{}\">离线核验页面</a>（下载公钥集和状态列表后无需联网即可核验）</p>",
            attr(link)
        ));
    }
    page("毕业去向登记表核验结果", &body)
}

/// A short error page (a generic message, the stable code).
pub fn error(title: &str, message: &str) -> String {
    page(
        title,
        &format!("<p class=\"verdict bad\">{}</p>", text(message)),
    )
}

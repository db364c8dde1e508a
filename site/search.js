/* Living Archive browser search. No framework, no network beyond this site's own files.
 *
 * Index files are scripts that call LA.meta/table/shard/tail/docs/facet: a <script> loads from file://
 * where fetch() is refused. Words were analyzed at build time with the archive's own analyzer; the
 * shards give each term's document frequencies and, per document, its count and the field's length, and
 * meta.js the document count and total field lengths, so BM25F is computed here exactly as the archive
 * computes it (archive/analysis.py), and a new document changes only its own terms' files. Only the
 * shards a query needs are loaded. A term's postings come best first; the rest (the tail) comes in
 * growing chunks, loaded only while those so far cannot decide the top results (a threshold algorithm:
 * every head and chunk bounds what is still to come).
 */
(function () {
  "use strict";

  /* Interface words: assets/messages.js (written by the build from the site's gettext catalog) sets
   * LA.i18n before this script runs. t("key") is a message; t("key", n) a count, its form chosen by the
   * browser's CLDR plural rules, with "%(n)s" replaced by the number. A missing file leaves the keys. */
  var i18n = (window.LA && window.LA.i18n) || { lang: "en", messages: {} };
  var pluralRules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(i18n.lang) : null;
  function t(key, n) {
    var m = i18n.messages[key];
    if (m === undefined) return key;
    if (n === undefined) return m;
    var category = pluralRules ? pluralRules.select(n) : (n === 1 ? "one" : "other");
    var text = m[category] !== undefined ? m[category] : m.other;
    return text.replace("%(n)s", n.toLocaleString(i18n.lang + "-u-nu-latn"));
  }

  /* Query words as archive/analysis.py reads them (QUERY_WORD_PATTERN, shipped in meta.js): sentence
   * joins split, decimals, abbreviations, URLs and e-mail addresses whole, a hyphenated compound one word. */
  var token = null;
  function queryWords(text) {
    if (!token) token = new RegExp(store.meta.token, "gu");
    return text.match(token) || [];
  }
  var PAGE = 10;

  /* A query the site cannot read: which message says why (the detail is the part of the query at fault). */
  function queryErrorText(error) {
    var text = error.key === "fuzzy" ? t("error_fuzzy") : error.key === "leading" ? t("error_leading") :
      error.key === "date" ? t("error_date") : error.key === "range" ? t("error_range") : t("error_unsupported");
    return text.replace("%(detail)s", error.detail);
  }
  // Maps, not plain objects: keys come from the archive's text ("constructor", "__proto__").
  var store = { meta: null, tables: new Map(), shards: new Map(), tails: new Map(), docs: new Map(), facets: new Map(),
                keys: new Map(), dates: new Map(), positions: new Map(), filters: null,
                keyIndex: new Map(), dateIndex: new Map() };
  var loading = {};
  var base = (document.currentScript && document.currentScript.src) ?
    document.currentScript.src.replace(/assets\/search\.js(\?.*)?$/, "") : "";

  var LA = window.LA = window.LA || {};
  LA.meta = function (m) { store.meta = m; };
  LA.shard = function (prefix, words, terms) {
    var t = new Map();
    terms.forEach(function (e) { t.set(e[0], e); });
    store.shards.set(prefix, { w: new Map(words), t: t });
  };
  LA.table = function (first, shards, split) {
    store.tables.set(first, { shards: new Set(shards), split: new Set(split) });
  };
  LA.tail = function (name, k, postings, bound) { store.tails.set(name + "-" + k, [postings, bound]); };
  LA.docs = function (chunk, docs) { docs.forEach(function (d) { store.docs.set(d[0], d[1]); }); };
  LA.facet = function (name, runs) { store.facets.set(name, runs); };
  LA.keys = function (field, prefix, values) { store.keys.set(field + "\u0000" + prefix, values); };
  LA.dates = function (field, k, flat) { store.dates.set(field + "-" + k, flat); };
  LA.keyIndex = function (field, prefixes) { store.keyIndex.set(field, prefixes); };
  LA.dateIndex = function (field, years) { store.dateIndex.set(field, years); };
  LA.positions = function (entries) { entries.forEach(function (e) { store.positions.set(e[0], e[1]); }); };
  LA.filters = function (choices) { store.filters = choices; };

  function load(path) {
    if (!loading[path]) {
      loading[path] = new Promise(function (resolve) {
        var el = document.createElement("script");
        el.src = base + path;
        // A missing file is a word the archive does not hold: resolve either way.
        el.onload = function () { resolve(true); };
        el.onerror = function () { resolve(false); };
        document.head.appendChild(el);
      });
    }
    return loading[path];
  }

  function chars(text) { return Array.from(text); }

  function hex(text) {
    var bytes = new TextEncoder().encode(text), out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  /* The shard table for a first character: which prefixes have a shard, which were split deeper. */
  function tableFor(first) {
    if (!firsts) firsts = new Set(store.meta.firsts);
    if (!firsts.has(first)) return Promise.resolve(null);
    return load("search/p/" + hex(first) + ".js").then(function () { return store.tables.get(first) || null; });
  }

  var firsts = null;
  var EMPTY = { w: new Map(), t: new Map() };

  function shardFor(text) {
    var c = chars(text);
    return tableFor(c[0]).then(function (table) {
      if (!table) return EMPTY;
      var n = Math.min(2, c.length);
      while (n < c.length && table.split.has(c.slice(0, n).join(""))) n++;
      var p = c.slice(0, n).join("");
      // Ask only for shards that exist: a missing file would be a failed request in the console.
      if (!table.shards.has(p)) return EMPTY;
      var name = hex(p);
      return load("search/s/" + name.slice(0, 4) + "/" + name + ".js").then(function () { return store.shards.get(p) || EMPTY; });
    });
  }

  /* Fallback for a word form the archive does not contain: a few English suffix rules (a small part of
   * Porter2), whose results are tried alongside the word itself. Every word in the archive was mapped to
   * its terms at build time. */
  function fallbackStem(w) {
    if (w.length <= 3) return [];
    var rules = [[/ational$/, "ate"], [/ization$/, "ize"], [/fulness$/, "ful"], [/iveness$/, "ive"],
      [/sses$/, "ss"], [/ies$/, "i"], [/([^aeiou])ied$/, "$1i"], [/eed(ly)?$/, "ee"], [/ingly$/, ""],
      [/edly$/, ""], [/ing$/, ""], [/ed$/, ""], [/ly$/, ""], [/([^su])s$/, "$1"]];
    for (var i = 0; i < rules.length; i++) {
      if (rules[i][0].test(w)) {
        var s = w.replace(rules[i][0], rules[i][1]);
        if (/[aeiouy]/.test(s) && s.length >= 2) {
          if (/(at|bl|iz)$/.test(s)) return [s + "e"];
          // Terms are stems of lemmas: "boycotted" is "boycott", "planned" is "plan"; try both.
          if (/([bdfgmnprt])\1$/.test(s)) return [s.slice(0, -1), s];
          return [s];
        }
      }
    }
    return [];
  }

  /* A query word -> its alternatives (lists of terms); null for a stop word. */
  function alternatives(word) {
    return shardFor(word).then(function (shard) {
      var v = shard.w.get(word);
      if (v === "-") return null;
      if (v === "") return [[word]];
      if (v !== undefined) return v.split("|").map(function (a) { return a.split(" "); });
      var alts = [[word]];
      if (store.meta.stem) {
        fallbackStem(word).forEach(function (s) { if (s !== word) alts.push([s]); });
      }
      return alts;
    });
  }

  /* BM25F as archive/analysis.py writes it: the same operations in the same order. */
  function idf(n, df) { return Math.log(n / (df + 1)) + 1; }

  function saturation(tf, length, average) {
    var m = store.meta;
    return (tf * (m.k1 + 1)) / (tf + m.k1 * ((1 - m.b) + m.b * length / average));
  }

  /* What scores a term's postings: per field, idf and the collection's average length (boosts are the
   * query's); and per field, what turns a shipped bound (computed with the term's own mean length a0)
   * into a bound with the collection's average: g(avg) <= g(a0) * max(1, avg / a0). */
  function termModel(df, a0) {
    var m = store.meta, fields = [];
    m.fields.forEach(function (f, i) {
      var average = m.n ? f[1] / m.n : 0;
      if (!average) { fields.push(null); return; }
      var weight = idf(m.n, df[i]);
      fields.push({ idf: weight, average: average, stretch: weight * Math.max(1, average / a0[i]) / m.scale });
    });
    return {
      scores: function (row, at) {  // row: id, then per field: count, length -> per field: idf x saturation
        return fields.map(function (f, i) {
          var tf = row[at + 1 + 2 * i];
          return f && tf ? f.idf * saturation(tf, row[at + 2 + 2 * i], f.average) : 0;
        });
      },
      bounds: function (bounds) {
        return fields.map(function (f, i) { return f ? f.stretch * bounds[i] : 0; });
      },
      stride: 1 + 2 * m.fields.length
    };
  }

  function addPostings(p, flat) {
    for (var i = 0; i + p.model.stride <= flat.length; i += p.model.stride) p.known.set(flat[i], p.model.scores(flat, i));
  }

  function setBounds(p, bounds) {
    p.bounds = bounds ? p.model.bounds(bounds) : [0, 0];
    p.top = Math.max.apply(null, p.bounds);
  }

  function postings(term) {
    return shardFor(term).then(function (shard) {
      var entry = shard.t.get(term);  // [term, df per field, mean length per field, head, tail or 0]
      if (!entry) return { term: term, known: new Map(), complete: true, bounds: [0, 0], top: 0, chunks: 0, loaded: 0 };
      var tail = entry[4];  // [name, chunk count, bound after the head]
      var p = { term: term, df: entry[1], model: termModel(entry[1], entry[2]), known: new Map(), tail: tail ? tail[0] : null,
                chunks: tail ? tail[1] : 0, loaded: 0, complete: !tail };
      addPostings(p, entry[3]);
      setBounds(p, tail ? tail[2] : null);
      return p;
    });
  }

  /* The next chunk of a term's tail; after the last one the term's postings are complete. */
  function loadTail(p) {
    var k = p.loaded;
    var name = p.tail + "-" + k;
    return load("search/t/" + p.tail.slice(0, 2) + "/" + name + ".js").then(function () {
      var chunk = store.tails.get(name);
      p.loaded = k + 1;
      if (!chunk || p.loaded >= p.chunks) { p.complete = true; setBounds(p, null); }
      if (chunk) {
        addPostings(p, chunk[0]);
        if (!p.complete) setBounds(p, chunk[1]);
      }
    });
  }

  /* ---- sets of documents: facets (runs), keyword values, dates ---- */

  function runsTest(runs) {
    return function (n) {
      var lo = 0, hi = runs.length / 2;
      while (lo < hi) {
        var mid = (lo + hi) >> 1;
        if (n < runs[2 * mid]) hi = mid; else if (n >= runs[2 * mid + 1]) lo = mid + 1; else return true;
      }
      return false;
    };
  }

  function runsList(runs) {
    var out = [];
    for (var i = 0; i < runs.length; i += 2) for (var n = runs[i]; n < runs[i + 1]; n++) out.push(n);
    return out;
  }

  function facetRuns(name) {
    return load("search/f/" + hex(name) + ".js").then(function () { return store.facets.get(name) || []; });
  }

  /* The values of a keyword field (type, places, tags, ...) with the given prefix, as [value, runs]. */
  function keyIndex(field) {
    if (store.meta.keys.indexOf(field) < 0) return Promise.resolve([]);
    return load("search/k/" + hex(field) + ".js").then(function () { return store.keyIndex.get(field) || []; });
  }

  function keyValues(field, prefix, exact) {
    return keyIndex(field).then(function (all) { return keyValuesIn(all, field, prefix, exact); });
  }

  function keyValuesIn(all, field, prefix, exact) {
    var prefixes = all.filter(function (p) {
      return exact ? p === chars(prefix).slice(0, 2).join("") : (p.startsWith(prefix) || prefix.startsWith(p));
    });
    return Promise.all(prefixes.map(function (p) {
      return load("search/k/" + hex(field) + "/" + hex(p) + ".js").then(function () {
        return store.keys.get(field + "\u0000" + p) || [];
      });
    })).then(function (lists) {
      var out = [];
      lists.forEach(function (l) { l.forEach(function (e) {
        if (exact ? e[0] === prefix : e[0].startsWith(prefix)) out.push(e);
      }); });
      return out;
    });
  }

  /* Documents whose date field lies within [lo, hi] (days as YYYYMMDD; null for an open end), from the
   * files of the years in range (search/r/<field>/<year>.js: pairs of day and document). */
  function dateDocs(field, lo, hi) {
    if (store.meta.dates.indexOf(field) < 0) return Promise.resolve(new Set());
    return load("search/r/" + field + ".js").then(function () {
      return dateDocsIn(store.dateIndex.get(field) || [], field, lo, hi);
    });
  }

  function dateDocsIn(all, field, lo, hi) {
    var years = all.filter(function (y) {
      return (lo === null || y >= Math.floor(lo / 10000)) && (hi === null || y <= Math.floor(hi / 10000));
    });
    return Promise.all(years.map(function (y) {
      return load("search/r/" + field + "/" + y + ".js").then(function () { return store.dates.get(field + "-" + y) || []; });
    })).then(function (lists) {
      var docs = new Set();
      lists.forEach(function (flat) {
        for (var i = 0; i < flat.length; i += 2) {
          if ((lo === null || flat[i] >= lo) && (hi === null || flat[i] <= hi)) docs.add(flat[i + 1]);
        }
      });
      return docs;
    });
  }

  /* ---- the query language: Whoosh's, as archive/search/query.py parses it ---- */

  var TEXT_FIELDS = ["title", "body"], DATE_FIELDS = ["date", "start", "end"];
  function QueryError(key, detail) { this.key = key; this.detail = detail || ""; }

  function tokenize(text) {
    var out = [], i = 0, m;
    var re = /\s+|\(|\)|"[^"]*"?|'[^']*'?|(\w+):(?=\S)|\^[\d.]+|[^\s()"^]+/gy;
    while (i < text.length) {
      re.lastIndex = i;
      m = re.exec(text);
      if (!m) { i++; continue; }
      i = re.lastIndex;
      var t = m[0];
      if (/^\s/.test(t)) out.push({ k: "ws" });
      else if (t === "(" || t === ")") out.push({ k: t });
      else if (t[0] === '"') out.push({ k: "phrase", v: t.replace(/^"|"$/g, "") });
      else if (t[0] === "'") out.push({ k: "quoted", v: t.replace(/^'|'$/g, "") });
      else if (m[1]) out.push({ k: "field", v: m[1] });
      else if (t[0] === "^") out.push({ k: "boost", v: parseFloat(t.slice(1)) || 1 });
      else if (/^(AND|OR|NOT|ANDNOT)$/.test(t)) out.push({ k: "op", v: t });
      else out.push({ k: "word", v: t });
    }
    return out;
  }

  /* Precedence as Whoosh's: NOT binds the next item, then AND, then OR, then ANDNOT; words side by side
   * are AND-ed last. An operator with nothing on one side is a word (a stop word, mostly). */
  function parseQuery(text) {
    var tokens = tokenize(text), at = 0;
    function peek() { while (at < tokens.length && tokens[at].k === "ws") at++; return tokens[at]; }
    function atomStarts(t) { return t && (t.k !== ")" && t.k !== "boost"); }
    function sequence(closing) {
      var items = [];
      for (;;) {
        var t = peek();
        if (!t || (closing && t.k === ")")) break;
        if (t.k === ")") { at++; continue; }  // a stray closing parenthesis is ignored
        if (t.k === "boost") { at++; continue; }  // a boost with nothing before it
        items.push(andNot());
      }
      return !items.length ? null : items.length === 1 ? items[0] : { op: "and", kids: items, boost: 1 };
    }
    function binary(next, name, kind) {
      return function () {
        var left = next();
        for (;;) {
          var t = peek();
          if (!t || t.k !== "op" || t.v !== name) return left;
          var save = at; at++;
          var following = peek();
          if (!atomStarts(following) || following.k === "op" && following.v !== "NOT") { at = save; tokens[at] = { k: "word", v: name.toLowerCase() }; return left; }
          var right = next();
          left = kind === "andnot" ? { op: "andnot", kids: [left, right], boost: 1 } :
            { op: kind, kids: (left.op === kind && left.boost === 1 ? left.kids : [left]).concat([right]), boost: 1 };
        }
      };
    }
    function unary() {
      var t = peek();
      if (t && t.k === "op" && t.v === "NOT") {
        at++;
        var next = peek();
        if (!atomStarts(next)) return { leaf: "word", field: null, text: "not", boost: 1 };
        return { op: "not", kids: [unary()], boost: 1 };
      }
      if (t && t.k === "op") { at++; return { leaf: "word", field: null, text: t.v.toLowerCase(), boost: 1 }; }
      return boosted(atom(null));
    }
    function boosted(node) {
      var t = tokens[at];
      if (node && t && t.k === "boost") { at++; node.boost *= t.v; }
      return node;
    }
    function atom(field) {
      var t = peek();
      at++;
      if (t.k === "(") {
        var inner = sequenceIn(field || fieldStack);
        if (peek() && peek().k === ")") at++;
        return inner;
      }
      if (t.k === "field") {
        var name = t.v;
        if (KNOWN_FIELDS.indexOf(name) < 0) {  // not a field: Whoosh reads "aa:bb" as the words
          var rest = tokens[at] && tokens[at].k === "word" ? tokens[at++].v : "";
          return { leaf: "word", field: field, text: name + ":" + rest, boost: 1 };
        }
        var next = tokens[at];
        if (next && next.k === "word" && DATE_FIELDS.indexOf(name) >= 0 && /^[[{]/.test(next.v)) return range(name);
        return boosted(atom(name));
      }
      if (t.k === "phrase") return { leaf: "phrase", field: field, text: t.v, boost: 1 };
      if (t.k === "quoted") return { leaf: "word", field: field, text: t.v, boost: 1, quoted: true };
      return wordLeaf(field, t.v);
    }
    function sequenceIn(field) {
      var saved = fieldStack; fieldStack = field;
      var node = sequence(true);
      fieldStack = saved;
      return node;
    }
    var fieldStack = null;
    function wordLeaf(field, v) {
      field = field || fieldStack;
      if (/~\d*$/.test(v)) throw new QueryError("fuzzy");
      if (v === "*") return { leaf: "every", field: field, boost: 1 };
      if (field && DATE_FIELDS.indexOf(field) >= 0) return dateLeaf(field, v);
      if (/[*?]/.test(v)) return { leaf: "wild", field: field, text: v, boost: 1 };
      return { leaf: "word", field: field, text: v, boost: 1 };
    }
    function range(name) {
      var text = "";
      while (at < tokens.length) {
        var t = tokens[at++];
        text += t.k === "ws" ? " " : (t.v !== undefined ? t.v : t.k);
        if (/[\]}]$/.test(text)) break;
      }
      var m = /^[[{]\s*(\S*?)\s*(?:\bto\b|\bTO\b)\s*(\S*?)\s*[\]}]$/i.exec(text.trim());
      if (!m) throw new QueryError("range", name + ":" + text);
      return boosted({ leaf: "range", field: name, lo: m[1] ? dayOf(m[1], name, false) : null,
                       hi: m[2] ? dayOf(m[2], name, true) : null, boost: 1 });
    }
    function dateLeaf(field, v) {
      var m = /^([<>]=?)(.*)$/.exec(v);
      if (m) {
        if (m[1][0] === ">") return { leaf: "range", field: field, lo: dayOf(m[2], field, false), hi: null, boost: 1 };
        return { leaf: "range", field: field, lo: null, hi: dayOf(m[2], field, false) - 1, boost: 1 };
      }
      return { leaf: "range", field: field, lo: dayOf(v, field, false), hi: dayOf(v, field, true), boost: 1 };
    }
    var and = binary(unary, "AND", "and"), or = binary(and, "OR", "or"), andNot = binary(or, "ANDNOT", "andnot");
    return sequence(false);
  }

  var KNOWN_FIELDS = ["title", "body", "type", "slug", "kind", "language", "date", "start", "end", "places", "waves",
    "struggles", "forms", "forces", "organizations", "tags", "visibility", "consent"];

  /* A partial date (2020, 2020-05, 2020-05-01) as its first or last day, YYYYMMDD. */
  function dayOf(text, field, last) {
    var m = /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$/.exec(text.replace(/^['"]|['"]$/g, ""));
    if (!m) throw new QueryError("date", field + ":" + text);
    var y = +m[1], mo = m[2] ? +m[2] : 0, d = m[3] ? +m[3] : 0;
    var days = [31, (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if (mo && (mo < 1 || mo > 12) || d && (d < 1 || d > days[mo - 1])) throw new QueryError("date", field + ":" + text);
    if (!last) return y * 10000 + (mo || 1) * 100 + (d || 1);
    if (!mo) return y * 10000 + 1231;
    return y * 10000 + mo * 100 + (d || days[mo - 1]);
  }

  /* ---- from the parsed query to what is scored: words analyzed, fields spelled out ---- */

  function fieldIndex(name) { return TEXT_FIELDS.indexOf(name); }

  /* Unfielded items search the title (boost 2) and the body, OR-ed, as Whoosh's MultifieldParser writes. */
  function expand(node, ctx) {
    if (!node) return Promise.resolve(null);
    if (node.op) {
      return Promise.all(node.kids.map(function (k) { return expand(k, ctx); })).then(function (kids) {
        return normalize({ op: node.op, kids: kids, boost: node.boost });
      });
    }
    if (!node.field && node.leaf !== "range") {
      var boosts = store.meta.boosts;
      return Promise.all(TEXT_FIELDS.map(function (f) {
        return expand(Object.assign({}, node, { field: f, boost: boosts[f] }), ctx);
      })).then(function (kids) { return normalize({ op: "or", kids: kids, boost: node.boost }); });
    }
    var f = node.field;
    if (node.leaf === "range") {
      return dateDocs(f, node.lo, node.hi).then(function (docs) {
        return { set: docs, boost: node.boost, sig: "r " + f + " " + node.lo + " " + node.hi };
      });
    }
    if (node.leaf === "every") {
      if (fieldIndex(f) < 0) throw new QueryError("unsupported", f + ":*");
      return facetRuns("every-" + f).then(function (runs) {
        return { set: new Set(runsList(runs)), boost: node.boost, sig: "e " + f };
      });
    }
    if (fieldIndex(f) < 0) return keyLeaf(node);
    if (node.leaf === "wild") return wildLeaf(node, ctx);
    var words = queryWords(node.text.normalize("NFC")).map(function (w) { return w.toLowerCase(); });
    if (node.leaf === "phrase" || node.quoted) return phraseAlternatives(f, words, node.boost, ctx);
    if (words.length > 1) {  // one item that reads as several words: all of them, in this field
      return Promise.all(words.map(function (w) { return wordAlternatives(f, w, node.boost, ctx); }))
        .then(function (kids) { return normalize({ op: "and", kids: kids, boost: 1 }); });
    }
    return words.length ? wordAlternatives(f, words[0], node.boost, ctx) : Promise.resolve(null);
  }

  function keyLeaf(node) {
    var value = node.text !== undefined ? node.text : "";
    if (store.meta.lowercase.indexOf(node.field) >= 0) value = value.toLowerCase();
    var prefix = node.leaf === "wild" ? value : value;
    if (node.leaf === "wild") {
      var literal = /^[^*?]*/.exec(value)[0];
      if (!literal) throw new QueryError("leading");
      var pattern = wildcardRegExp(value);
      return keyValues(node.field, literal, false).then(function (values) {
        var kids = values.filter(function (e) { return pattern.test(e[0]); }).map(function (e) {
          return { set: new Set(runsList(e[1])), boost: 1, sig: "k " + node.field + " " + e[0] };
        });
        if (unscoredOr(kids.length)) {
          var docs = new Set();
          kids.forEach(function (k) { k.set.forEach(function (n) { docs.add(n); }); });
          return { set: docs, boost: 1, sig: "w " + node.field + " " + value };
        }
        return normalize({ op: "or", kids: kids, boost: node.boost });
      });
    }
    return keyValues(node.field, prefix, true).then(function (values) {
      return values.length ? { set: new Set(runsList(values[0][1])), boost: node.boost,
                               sig: "k " + node.field + " " + values[0][0] } : null;
    });
  }

  function wildcardRegExp(text) {
    return new RegExp("^" + text.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$", "u");
  }

  /* A wildcard matches the stored terms as they are (not analyzed), as in archive search. */
  function wildLeaf(node, ctx) {
    var text = node.text.toLowerCase(), literal = /^[^*?]*/.exec(text)[0];
    if (!literal) throw new QueryError("leading");
    var pattern = wildcardRegExp(text);
    return termsWithPrefix(literal).then(function (terms) {
      var kids = terms.filter(function (t) { return pattern.test(t); }).map(function (t) {
        return termLeaf(node.field, t, 1, ctx);
      });
      // Whoosh quirk, kept for parity: a wildcard that expands to one term drops its boost (the title's 2).
      return Promise.all(kids).then(function (leaves) {
        // Only the terms this field holds: the shards list each term once for both fields.
        leaves = leaves.filter(function (l) { return l.term.df && l.term.df[l.f] > 0; });
        if (!unscoredOr(leaves.length)) return normalize({ op: "or", kids: leaves, boost: leaves.length === 1 ? 1 : node.boost });
        return Promise.all(leaves.map(function (l) { return loadAll(l.term); })).then(function () {
          var docs = new Set();
          leaves.forEach(function (l) { l.term.known.forEach(function (s, n) { if (s[l.f] > 0) docs.add(n); }); });
          return { set: docs, boost: 1, sig: "w " + node.field + " " + text };
        });
      });
    });
  }

  /* How archive search (Whoosh 2.7) scores a wildcard's terms, kept for parity: one term scores as that
   * term without the field's boost; two, as their sum; three or more, on an index of at most 5,000
   * documents (or 1,024 terms and more on any), as 1 for every match (Whoosh's "constant score", which
   * only its preloading OR honours). */
  function unscoredOr(count) {
    return count >= 1024 || (count > 2 && store.meta.n <= 5000);
  }

  /* Every term with a prefix: from the one shard that holds it, or from every shard under it. */
  function termsWithPrefix(prefix) {
    var c = chars(prefix);
    return tableFor(c[0]).then(function (table) {
      if (!table) return [];
      var names = [];
      table.shards.forEach(function (p) { if (p.startsWith(prefix) || prefix.startsWith(p)) names.push(p); });
      return Promise.all(names.map(function (p) {
        var name = hex(p);
        return load("search/s/" + name.slice(0, 4) + "/" + name + ".js").then(function () { return store.shards.get(p) || EMPTY; });
      })).then(function (shards) {
        var terms = [];
        shards.forEach(function (s) { s.t.forEach(function (_, t) { if (t.startsWith(prefix)) terms.push(t); }); });
        return terms.sort();
      });
    });
  }

  function wordAlternatives(field, word, boost, ctx) {
    if (chars(word).length < 2 && !ctx.compound) return Promise.resolve(null);
    return alternatives(word).then(function (alts) {
      if (alts === null) return null;
      ctx.words.push(word);
      return Promise.all(alts.map(function (terms) {
        return terms.length === 1 ? termLeaf(field, terms[0], boost, ctx) : phraseLeaf(field, terms, boost, ctx);
      })).then(function (kids) { return normalize({ op: "or", kids: kids, boost: 1 }); });
    });
  }

  /* A phrase is analyzed whole in each language, as archive search does: the word forms of each word,
   * taken language by language (the alternatives of a word come in the same language order). */
  function phraseAlternatives(field, words, boost, ctx) {
    // Whoosh reads a one-word phrase as a plain term, without the field's boost.
    if (words.length === 1) return wordAlternatives(field, words[0], 1, ctx);
    return Promise.all(words.map(alternatives)).then(function (alts) {
      var kept = alts.filter(function (a) { return a !== null; });
      if (!kept.length) return null;
      var count = Math.max.apply(null, kept.map(function (a) { return a.length; })), seen = new Set(), kids = [];
      for (var i = 0; i < count; i++) {
        var terms = [];
        kept.forEach(function (a) { terms = terms.concat(a[Math.min(i, a.length - 1)]); });
        var key = terms.join(" ");
        if (seen.has(key)) continue;
        seen.add(key);
        kids.push(terms.length === 1 ? termLeaf(field, terms[0], boost, ctx) : phraseLeaf(field, terms, boost, ctx));
      }
      return Promise.all(kids).then(function (leaves) { return normalize({ op: "or", kids: leaves, boost: 1 }); });
    });
  }

  function termLeaf(field, term, boost, ctx) {
    ctx.terms.add(term);
    return ctx.postings(term).then(function (p) { return { term: p, f: fieldIndex(field), boost: boost }; });
  }

  /* Whoosh's phrase (slop 1): the terms at consecutive positions in the field; scored as the sum of its
   * terms' scores. Needs each term's whole posting list and its positions. */
  function phraseLeaf(field, terms, boost, ctx) {
    var f = fieldIndex(field);
    terms.forEach(function (t) { ctx.terms.add(t); });
    return Promise.all(terms.map(ctx.postings)).then(function (lists) {
      // A term the archive lacks: no match, and no positions file to ask for.
      if (lists.some(function (p) { return !p.known.size; })) return null;
      return Promise.all(lists.map(function (p, i) {
        return loadAll(p).then(function () { return positionsOf(terms[i]); }).then(function (pos) { return [p, pos]; });
      }));
    }).then(function (parts) {
      if (!parts) return null;
      var scores = new Map();
      parts[0][0].known.forEach(function (_, n) {
        var lists = parts.map(function (part) { return part[1].get(n); });
        if (lists.some(function (l) { return !l || !l[f].length; })) return;
        var found = lists[0][f].some(function (start) {
          return lists.every(function (l, i) { return l[f].indexOf(start + i) >= 0; });
        });
        if (!found) return;
        var total = 0;
        parts.forEach(function (part) { total += boost * part[0].known.get(n)[f]; });
        scores.set(n, total);
      });
      return { scores: scores, boost: 1, sig: "p " + f + " " + terms.join(" ") + " " + boost };
    });
  }

  function loadAll(p) { return p.complete ? Promise.resolve() : loadTail(p).then(function () { return loadAll(p); }); }

  function fnv(text) {
    var bytes = new TextEncoder().encode(text), h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) { h ^= bytes[i]; h = Math.imul(h, 0x01000193) >>> 0; }
    return ("0000000" + h.toString(16)).slice(-8);
  }

  function positionsOf(term) {
    var name = fnv(term);
    return load("search/x/" + name.slice(0, 2) + "/" + name + ".js").then(function () {
      var rows = store.positions.get(term) || [], out = new Map();
      rows.forEach(function (r) { out.set(r[0], r.slice(1)); });
      return out;
    });
  }

  /* Whoosh's normalize: nested ANDs and ORs flattened (boosts multiplied in), empty parts dropped. */
  function normalize(node) {
    var kids = [], seen = new Set();
    function add(k) {  // equal parts count once, as Whoosh's normalize keeps them
      var key = signature(k);
      if (!seen.has(key)) { seen.add(key); kids.push(k); }
    }
    node.kids.forEach(function (k) {
      if (k === null) return;
      if (k.op && k.op === node.op && (node.op === "and" || node.op === "or")) {
        k.kids.forEach(function (kk) { add(k.boost === 1 ? kk : scale(kk, k.boost)); });
      } else add(k);
    });
    if (node.op === "not") return kids.length ? { op: "not", kids: kids, boost: node.boost } : null;
    if (node.op === "andnot") {
      if (!kids.length || node.kids[0] === null) return null;
      if (node.kids[1] === null) return scale(node.kids[0], node.boost);
      return { op: "andnot", kids: kids, boost: node.boost };
    }
    if (!kids.length) return null;
    if (kids.length === 1) return scale(kids[0], node.boost);
    return { op: node.op, kids: kids, boost: node.boost };
  }

  function signature(node) {
    if (node.term) return "t " + node.f + " " + node.term.term + " " + node.boost;
    if (node.kids) return node.op + "(" + node.kids.map(signature).join(",") + ")" + node.boost;
    return node.sig + " " + node.boost;
  }

  function scale(node, boost) { if (boost === 1) return node; var c = Object.assign({}, node); c.boost = (c.boost || 1) * boost; return c; }

  /* ---- scoring: each node says, for a document, no match, an exact score, or an open bound ---- */

  var NO = [0, 0];
  function evalNode(node, n) {
    if (node.term) {
      var p = node.term, s = p.known.get(n);
      if (s !== undefined) return s[node.f] > 0 ? [1, node.boost * s[node.f]] : NO;
      return p.complete ? NO : [2, node.boost * p.bounds[node.f]];
    }
    if (node.set) return node.set.has(n) ? [1, node.boost] : NO;
    if (node.scores) return node.scores.has(n) ? [1, node.boost * node.scores.get(n)] : NO;
    var kids = node.kids, i, r, total = 0, open = false;
    if (node.op === "or") {
      var any = false;
      for (i = 0; i < kids.length; i++) {
        r = evalNode(kids[i], n);
        if (r[0]) { any = true; total += r[1]; if (r[0] === 2) open = true; }
      }
      return any ? [open ? 2 : 1, node.boost * total] : NO;
    }
    if (node.op === "and") {
      for (i = 0; i < kids.length; i++) {
        r = evalNode(kids[i], n);
        if (!r[0]) return NO;
        total += r[1];
        if (r[0] === 2) open = true;
      }
      return [open ? 2 : 1, node.boost * total];
    }
    if (node.op === "not") {
      r = evalNode(kids[0], n);
      return r[0] === 1 ? NO : [r[0] === 2 ? 2 : 1, node.boost];
    }
    // andnot
    r = evalNode(kids[0], n);
    if (!r[0]) return NO;
    var neg = evalNode(kids[1], n);
    if (neg[0] === 1) return NO;
    return [(r[0] === 2 || neg[0] === 2) ? 2 : 1, node.boost * r[1]];
  }

  /* The documents worth scoring: every one named by a loaded posting or a set; all of them under a NOT. */
  function candidates(node, out) {
    if (node.term) node.term.known.forEach(function (_, n) { out.add(n); });
    else if (node.set) node.set.forEach(function (n) { out.add(n); });
    else if (node.scores) node.scores.forEach(function (_, n) { out.add(n); });
    else node.kids.forEach(function (k) { candidates(k, out); });
    return out;
  }

  function hasNot(node) {
    return node.op === "not" || (node.kids ? node.kids.some(hasNot) : false);
  }

  function evaluate(tree, filter, weight, want, everything) {
    var pool = everything ? null : candidates(tree, new Set());
    var exact = [], bestOpen = -1;
    function consider(n) {
      if (!filter(n)) return;
      var r = evalNode(tree, n);
      if (r[0] === 1) exact.push([n, r[1] * weight(n)]);
      else if (r[0] === 2) bestOpen = Math.max(bestOpen, r[1] * weight(n));
    }
    if (pool) pool.forEach(consider); else for (var n = 0; n < store.meta.n; n++) consider(n);
    // A document no loaded list names could still score what the open lists allow.
    if (pool) {
      var unseen = evalNode(tree, -1);
      if (unseen[0]) bestOpen = Math.max(bestOpen, unseen[1]);
    }
    exact.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
    var settled = bestOpen < 0 || (exact.length >= want && exact[want - 1][1] > bestOpen);
    return { results: exact, settled: settled, complete: bestOpen < 0 };
  }

  function openTerms(node, out) {
    if (node.term) { if (!node.term.complete) out.add(node.term); }
    else if (node.kids) node.kids.forEach(function (k) { openTerms(k, out); });
    return out;
  }

  /* filters: {type, wave, place, kind, language, from, to} (values as in the page's menus). */
  function filterTest(filters) {
    var tests = [];
    [["type", "type"], ["wave", "waves"], ["place", "places"], ["kind", "kind"], ["language", "language"]].forEach(function (pair) {
      var value = filters[pair[0]];
      if (!value) return;
      if (store.meta.lowercase.indexOf(pair[1]) >= 0) value = value.toLowerCase();
      tests.push(keyValues(pair[1], value, true).then(function (v) {
        var runs = v.length ? v[0][1] : [];
        return runsTest(runs);
      }));
    });
    if (filters.from || filters.to) {
      var lo = filters.from ? dayOf(filters.from, "date", false) : null, hi = filters.to ? dayOf(filters.to, "date", true) : null;
      tests.push(dateDocs("date", lo, hi).then(function (docs) { return function (n) { return docs.has(n); }; }));
    }
    return Promise.all(tests).then(function (all) {
      return function (n) { for (var i = 0; i < all.length; i++) if (!all[i](n)) return false; return true; };
    });
  }

  function search(query, filters, want) {
    var cache = new Map();
    var ctx = { terms: new Set(), words: [], postings: function (term) {
      if (!cache.has(term)) cache.set(term, postings(term));
      return cache.get(term);
    } };
    return Promise.resolve().then(function () {  // a query error, thrown anywhere, rejects the promise
      var parsed = parseQuery(query.normalize("NFC"));
      return Promise.all([expand(parsed, ctx), filterTest(filters), facetRuns("stub")]);
    }).then(function (all) {
      var tree = all[0], filter = all[1], stubs = runsTest(all[2]), stubWeight = store.meta.stubWeight;
      if (!tree) return { results: [], complete: true, terms: ctx.terms, words: ctx.words };
      var weight = function (n) { return stubs(n) ? stubWeight : 1; };
      var everything = hasNot(tree);
      function step() {
        var outcome = evaluate(tree, filter, weight, want, everything);
        var open = Array.from(openTerms(tree, new Set()));
        if (outcome.settled || !open.length) return outcome;
        // Read further only down the list whose bound is highest: it loosens the bound most.
        var next = open.reduce(function (a, b) { return b.top > a.top ? b : a; });
        return loadTail(next).then(step);
      }
      return Promise.resolve(step()).then(function (outcome) {
        outcome.terms = ctx.terms;
        outcome.words = ctx.words;
        return outcome;
      });
    });
  }

  /* The file that holds a document's summary: documents are packed dchunk to a file, dfolder files to a folder. */
  function docPath(n) {
    var chunk = Math.floor(n / store.meta.dchunk);
    return "search/d/" + Math.floor(chunk / store.meta.dfolder) + "/" + chunk + ".js";
  }
  LA.docPath = docPath;

  /* For scripts and tests: search once the index metadata is in. ``filters``: {type, wave, place, kind,
   * language, from, to}. */
  LA.search = function (query, filters, want) {
    return load("search/meta.js").then(function () { return search(query, filters || {}, want || PAGE); });
  };

  /* ---- the page ---- */
  var form = document.getElementById("search-form");
  if (!form) return;
  var input = document.getElementById("q"), status = document.getElementById("search-status");
  var list = document.getElementById("search-results"), suggestion = document.getElementById("search-suggestion");
  var FILTERS = ["type", "wave", "place", "kind", "language", "from", "to"];
  var controls = {};
  FILTERS.forEach(function (name) { controls[name] = document.getElementById("filter-" + name); });
  var shown = PAGE, generation = 0;

  function labelOf(type) {
    var option = controls.type.querySelector('option[value="' + type + '"]');
    return option ? option.textContent : type;
  }

  function filterValues() {
    var out = {};
    FILTERS.forEach(function (name) { if (controls[name] && controls[name].value) out[name] = controls[name].value.trim(); });
    return out;
  }

  /* The menus the build could not list in the template (places, kinds, languages), from search/filters.js. */
  function fillMenus() {
    return load("search/filters.js").then(function () {
      var choices = store.filters || {};
      ["place", "kind", "language"].forEach(function (name) {
        var select = controls[name];
        if (!select) return;
        (choices[name] || []).forEach(function (c) {
          var option = document.createElement("option");
          option.value = c[0];
          option.textContent = c[1];
          select.appendChild(option);
        });
      });
    });
  }

  /* The snippet with the words that match the query marked: a word matches when the archive's word
   * forms (the shards this query loaded) map it to a term the query searched for. */
  function highlighted(text, terms, lang) {
    var p = document.createElement("p");
    p.className = "snippet";
    if (lang) p.lang = lang;
    var re = new RegExp(store.meta.token, "gu"), last = 0, m;
    while ((m = re.exec(text)) !== null) {
      if (!matchesQuery(m[0].toLowerCase(), terms)) continue;
      p.appendChild(document.createTextNode(text.slice(last, m.index)));
      var mark = document.createElement("mark");
      mark.textContent = m[0];
      p.appendChild(mark);
      last = m.index + m[0].length;
    }
    p.appendChild(document.createTextNode(text.slice(last)));
    return p;
  }

  function matchesQuery(word, terms) {
    if (terms.has(word)) return true;
    var found = false;
    store.shards.forEach(function (shard) {
      var v = shard.w.get(word);
      if (found || v === undefined || v === "-" || v === "") return;
      found = v.split(/[| ]/).some(function (t) { return terms.has(t); });
    });
    return found;
  }

  /* "Did you mean": each searched word the archive does not hold, replaced by the closest word form in the
   * shard it was looked up in (public words only: the shards hold nothing else). */
  function suggest(query, words) {
    var fixed = query, changed = false;
    words.forEach(function (word) {
      if (!/^\p{L}+$/u.test(word)) return;
      var best = null;
      store.shards.forEach(function (shard) {
        if (shard.w.has(word)) { best = false; return; }
        if (best === false) return;
        shard.w.forEach(function (v, form) {
          if (v === "-" || !/^\p{L}+$/u.test(form)) return;
          var d = editDistance(word, form);
          if (d <= 2 && (!best || d < best[0] || (d === best[0] && form < best[1]))) best = [d, form];
        });
      });
      if (best) {
        fixed = fixed.replace(new RegExp("(^|[^\\p{L}\\p{N}_:*?])" + word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") +
          "(?![\\p{L}\\p{N}_:*?~])", "giu"), function (m, before) { changed = true; return before + best[1]; });
      }
    });
    return changed ? fixed : null;
  }

  function editDistance(a, b) {
    a = chars(a); b = chars(b);
    var prev = [], i, j;
    for (j = 0; j <= b.length; j++) prev.push(j);
    for (i = 1; i <= a.length; i++) {
      var cur = [i];
      for (j = 1; j <= b.length; j++) cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] !== b[j - 1] ? 1 : 0)));
      prev = cur;
    }
    return prev[b.length];
  }

  function showSuggestion(fixed) {
    suggestion.textContent = "";
    if (!fixed) return;
    var params = new URLSearchParams(filterValues());
    params.set("q", fixed);
    suggestion.appendChild(document.createTextNode(t("did_you_mean") + " "));
    var a = document.createElement("a");
    a.href = "?" + params.toString();
    a.textContent = fixed;
    a.addEventListener("click", function (event) { event.preventDefault(); input.value = fixed; syncUrl(); run(true); });
    suggestion.appendChild(a);
  }

  function render(outcome, want, query) {
    var top = outcome.results.slice(0, want);
    return Promise.all(top.map(function (r) { return load(docPath(r[0])); })).then(function () {
      list.textContent = "";
      top.forEach(function (r) {
        var d = store.docs.get(r[0]);
        if (!d) return;
        var li = document.createElement("li");
        li.dataset.key = d.k;
        li.dataset.score = String(Math.round(r[1] * 10000));
        var h = document.createElement("h2");
        var a = document.createElement("a");
        a.href = d.u;
        a.textContent = d.t;
        if (d.l) a.lang = d.l;
        h.appendChild(a);
        var info = document.createElement("p");
        info.className = "result-meta";
        info.textContent = labelOf(d.y) + (d.d ? " · " + d.d : "");
        li.appendChild(h);
        li.appendChild(info);
        if (d.s) li.appendChild(highlighted(d.s, outcome.terms || new Set(), d.l));
        list.appendChild(li);
      });
      if (!outcome.results.length) status.textContent = t("no_results");
      else status.textContent = (outcome.complete ? t("results", outcome.results.length) : t("best_results")) +
        t("showing", top.length);
      showSuggestion(outcome.results.length < want ? suggest(query, outcome.words || []) : null);
      var more = document.getElementById("more-results");
      if (more) more.remove();
      if (outcome.results.length > want || !outcome.complete) {
        var button = document.createElement("button");
        button.id = "more-results";
        button.type = "button";
        button.textContent = t("more_results");
        // Enter or a click on "More results" keeps the reader's place: focus goes to the first new result.
        button.addEventListener("click", function () { var from = shown; shown += PAGE; run(false, from); });
        list.after(button);
      }
    });
  }

  /* Where focus goes once results are shown: the first new result after "More results" (a number), the
   * status line after arriving with a query ("status"), so a keyboard or screen reader starts at the
   * results, never at the top of the page. */
  function focusAfter(target) {
    if (typeof target === "number") {
      var item = list.children[target];
      var link = item && item.querySelector("a");
      if (link) link.focus();
    } else if (target === "status") {
      status.focus();
    }
  }

  function run(reset, focusTarget) {
    if (reset) shown = PAGE;
    var mine = ++generation;
    var q = input.value.trim();
    if (!q) { status.textContent = ""; list.textContent = ""; suggestion.textContent = ""; return Promise.resolve(); }
    status.textContent = t("searching");
    return search(q, filterValues(), shown).then(function (outcome) {
      if (mine === generation) return render(outcome, shown, q);
    }, function (error) {
      if (!(error instanceof QueryError)) throw error;
      if (mine !== generation) return;
      list.textContent = "";
      suggestion.textContent = "";
      status.textContent = queryErrorText(error);
    }).then(function () {
      if (mine !== generation) return;
      focusAfter(focusTarget);
      form.dataset.done = String(mine);
    });
  }

  function syncUrl() {
    var params = new URLSearchParams();
    if (input.value.trim()) params.set("q", input.value.trim());
    var values = filterValues();
    FILTERS.forEach(function (name) { if (values[name]) params.set(name, values[name]); });
    try { history.replaceState(null, "", "?" + params.toString()); } catch { /* some file:// setups refuse */ }
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); syncUrl(); run(true); });
  FILTERS.forEach(function (name) {
    if (controls[name]) controls[name].addEventListener("change", function () { syncUrl(); run(true); });
  });
  var params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  load("search/meta.js").then(function (ok) {
    if (!ok || !store.meta) { status.textContent = t("index_missing"); return; }
    return fillMenus().then(function () {
      FILTERS.forEach(function (name) { if (controls[name]) controls[name].value = params.get(name) || ""; });
      return run(true, params.get("q") ? "status" : undefined);
    });
  });
})();

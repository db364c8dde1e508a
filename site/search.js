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
  // Maps, not plain objects: keys come from the archive's text ("constructor", "__proto__").
  var store = { meta: null, tables: new Map(), shards: new Map(), tails: new Map(), docs: new Map(), facets: new Map() };
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
    if (w.length <= 3) return w;
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

  /* What scores a term's postings: per field, boost x idf and the collection's average length; and per
   * field, what turns a shipped bound (computed with the term's own mean length a0) into a bound with the
   * collection's average: g(avg) <= g(a0) * max(1, avg / a0). */
  function termModel(df, a0) {
    var m = store.meta, fields = [];
    m.fields.forEach(function (f, i) {
      var average = m.n ? f[1] / m.n : 0;
      if (!average) { fields.push(null); return; }
      var weight = idf(m.n, df[i]);
      fields.push({ boost: f[0], idf: weight, average: average,
                    stretch: f[0] * weight * Math.max(1, average / a0[i]) / m.scale });
    });
    return {
      score: function (row, at) {  // row: id, then per field: count, length
        var total = 0;
        fields.forEach(function (f, i) {
          var tf = row[at + 1 + 2 * i];
          if (f && tf) total += f.boost * (f.idf * saturation(tf, row[at + 2 + 2 * i], f.average));
        });
        return total;
      },
      bound: function (bounds) {
        var total = 0;
        fields.forEach(function (f, i) { if (f) total += f.stretch * bounds[i]; });
        return total;
      },
      stride: 1 + 2 * m.fields.length
    };
  }

  function addPostings(p, flat) {
    for (var i = 0; i + p.model.stride <= flat.length; i += p.model.stride) p.known.set(flat[i], p.model.score(flat, i));
  }

  function postings(term) {
    return shardFor(term).then(function (shard) {
      var entry = shard.t.get(term);  // [term, df per field, mean length per field, head, tail or 0]
      if (!entry) return { term: term, known: new Map(), complete: true, threshold: 0, chunks: 0, loaded: 0 };
      var tail = entry[4];  // [name, chunk count, bound after the head]
      var p = { term: term, model: termModel(entry[1], entry[2]), known: new Map(), tail: tail ? tail[0] : null,
                chunks: tail ? tail[1] : 0, loaded: 0, complete: !tail, threshold: 0 };
      addPostings(p, entry[3]);
      if (tail) p.threshold = p.model.bound(tail[2]);
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
      if (!chunk || p.loaded >= p.chunks) { p.complete = true; p.threshold = 0; }
      if (chunk) {
        addPostings(p, chunk[0]);
        if (!p.complete) p.threshold = p.model.bound(chunk[1]);
      }
    });
  }

  /* A facet (documents of a type, or in a wave) as a membership test over its runs. */
  function facetTest(name) {
    return load("search/f/" + hex(name) + ".js").then(function () {
      var runs = store.facets.get(name) || [];
      return function (n) {
        var lo = 0, hi = runs.length / 2;
        while (lo < hi) {
          var mid = (lo + hi) >> 1;
          if (n < runs[2 * mid]) hi = mid; else if (n >= runs[2 * mid + 1]) lo = mid + 1; else return true;
        }
        return false;
      };
    });
  }

  /* Score every candidate. A group is one query word: any of its alternatives may match, and an
   * alternative's terms must all be present. Returns exact results and whether they are settled. */
  function evaluate(groups, filter, weight, want) {
    var candidates = new Set();
    groups.forEach(function (g) { g.forEach(function (alt) { alt.forEach(function (p) {
      p.known.forEach(function (_, n) { candidates.add(n); });
    }); }); });
    var exact = [], bestOpen = -1;
    candidates.forEach(function (n) {
      if (!filter(n)) return;
      var total = 0, upper = 0, certain = true, possible = true;
      groups.forEach(function (g) {
        var matched = false, maybe = false;
        g.forEach(function (alt) {
          var sum = 0, up = 0, has = true, unsure = false;
          alt.forEach(function (p) {
            if (p.known.has(n)) { var s = p.known.get(n); sum += s; up += s; }
            else if (!p.complete) { unsure = true; up += p.threshold; }
            else has = false;
          });
          if (!has) return;
          if (unsure) { maybe = true; upper += up; certain = false; }
          else { matched = true; total += sum; upper += up; }
        });
        if (!matched && !maybe) possible = false;
        if (!matched) certain = false;
      });
      if (!possible) return;
      // A bare stub's score is scaled down (never up), so the open bounds stay bounds.
      if (certain) exact.push([n, total * weight(n)]);
      else bestOpen = Math.max(bestOpen, upper);
    });
    // A document in no head at all could still score up to the sum of every open term's threshold.
    var unseen = 0, unseenPossible = true;
    groups.forEach(function (g) {
      var best = -1;
      g.forEach(function (alt) {
        var up = 0, open = true;
        alt.forEach(function (p) { if (p.complete) open = false; else up += p.threshold; });
        if (open) best = Math.max(best, up);
      });
      if (best < 0) unseenPossible = false; else unseen += best;
    });
    if (unseenPossible) bestOpen = Math.max(bestOpen, unseen);
    exact.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
    var settled = bestOpen < 0 || (exact.length >= want && exact[want - 1][1] > bestOpen);
    return { results: exact, settled: settled, complete: bestOpen < 0 };
  }

  function search(query, type, wave, want) {
    var words = [], seen = new Set();
    queryWords(query.normalize("NFC")).forEach(function (w) {
      w = w.toLowerCase();
      if (chars(w).length >= 2 && !seen.has(w)) { seen.add(w); words.push(w); }
    });
    if (!words.length) return Promise.resolve({ results: [], complete: true });
    var always = function () { return true; };
    var facets = Promise.all([type ? facetTest("type-" + type) : always, wave ? facetTest("wave-" + wave) : always,
      facetTest("stub")]);
    return Promise.all(words.map(alternatives)).then(function (alts) {
      alts = alts.filter(function (a) { return a !== null; });
      if (!alts.length) return { results: [], complete: true };
      var cache = new Map();
      function get(term) {
        if (!cache.has(term)) cache.set(term, postings(term));
        return cache.get(term);
      }
      return Promise.all(alts.map(function (g) {
        return Promise.all(g.map(function (alt) { return Promise.all(alt.map(get)); }));
      })).then(function (groups) {
        return facets.then(function (tests) {
          var filter = function (n) { return tests[0](n) && tests[1](n); };
          var stubWeight = store.meta.stubWeight;
          var weight = function (n) { return tests[2](n) ? stubWeight : 1; };
          var terms = Array.from(cache.values());
          return Promise.all(terms).then(function (ps) {
            function step() {
              var outcome = evaluate(groups, filter, weight, want);
              var open = ps.filter(function (p) { return !p.complete; });
              if (outcome.settled || !open.length) return outcome;
              // Read further only down the list whose threshold is highest: it loosens the bound most,
              // and the other lists often never need their long tails.
              var next = open.reduce(function (a, b) { return b.threshold > a.threshold ? b : a; });
              return loadTail(next).then(step);
            }
            return step();
          });
        });
      });
    });
  }

  /* The file that holds a document's summary: documents are packed dchunk to a file, dfolder files to a folder. */
  function docPath(n) {
    var chunk = Math.floor(n / store.meta.dchunk);
    return "search/d/" + Math.floor(chunk / store.meta.dfolder) + "/" + chunk + ".js";
  }
  LA.docPath = docPath;

  /* For scripts and tests: search once the index metadata is in. */
  LA.search = function (query, type, wave, want) {
    return load("search/meta.js").then(function () { return search(query, type || "", wave || "", want || PAGE); });
  };

  /* ---- the page ---- */
  var form = document.getElementById("search-form");
  if (!form) return;
  var input = document.getElementById("q"), typeSelect = document.getElementById("filter-type");
  var waveSelect = document.getElementById("filter-wave"), status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var shown = PAGE, generation = 0;

  function labelOf(type) {
    var option = typeSelect.querySelector('option[value="' + type + '"]');
    return option ? option.textContent : type;
  }

  function render(outcome, want) {
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
        if (d.s) {
          var p = document.createElement("p");
          p.className = "snippet";
          p.textContent = d.s;
          if (d.l) p.lang = d.l;
          li.appendChild(p);
        }
        list.appendChild(li);
      });
      var count = outcome.complete ? t("results", outcome.results.length) : t("best_results");
      if (!outcome.results.length) status.textContent = t("no_results");
      else status.textContent = count + t("showing", top.length);
      var more = document.getElementById("more-results");
      if (more) more.remove();
      if (outcome.results.length > want || !outcome.complete) {
        var button = document.createElement("button");
        button.id = "more-results";
        button.type = "button";
        button.textContent = t("more_results");
        button.addEventListener("click", function () { shown += PAGE; run(false); });
        list.after(button);
      }
    });
  }

  function run(reset) {
    if (reset) shown = PAGE;
    var mine = ++generation;
    var q = input.value.trim();
    if (!q) { status.textContent = ""; list.textContent = ""; return Promise.resolve(); }
    status.textContent = t("searching");
    return search(q, typeSelect.value, waveSelect.value, shown).then(function (outcome) {
      if (mine === generation) return render(outcome, shown);
    }).then(function () { if (mine === generation) form.dataset.done = String(mine); });
  }

  function syncUrl() {
    var params = new URLSearchParams();
    if (input.value.trim()) params.set("q", input.value.trim());
    if (typeSelect.value) params.set("type", typeSelect.value);
    if (waveSelect.value) params.set("wave", waveSelect.value);
    try { history.replaceState(null, "", "?" + params.toString()); } catch (e) { /* some file:// setups refuse */ }
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); syncUrl(); run(true); });
  [typeSelect, waveSelect].forEach(function (el) {
    el.addEventListener("change", function () { syncUrl(); run(true); });
  });
  var params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  typeSelect.value = params.get("type") || "";
  waveSelect.value = params.get("wave") || "";
  load("search/meta.js").then(function (ok) {
    if (!ok || !store.meta) { status.textContent = t("index_missing"); return; }
    run(true);
  });
})();

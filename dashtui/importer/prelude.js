// The init context dashtui evaluates a k6 script in: k6's modules stubbed, __ENV a placeholder proxy.
var __factories = {}, __cache = {}, __scopes = {}, __metrics = [], __notes = [];
// Set when an evaluated expression reads something that changes per VU or iteration.
var __touched = false;
(function () {
  var random = Math.random, now = Date.now;
  Math.random = function () { __touched = true; return random(); };
  Date.now = function () { __touched = true; return now(); };
})();
function __watch(value) {
  if (value === null || typeof value !== 'object') return value;
  return new Proxy(value, { get: function (t, k) { __touched = true; return __watch(t[k]); } });
}
var __resolve = {};
function __define(key, fn) { __factories[key] = fn; }
var __ENVPROXY = new Proxy({}, {
  get: function (t, k) { return typeof k === 'string' ? '${' + k + '}' : undefined; },
  has: function () { return true; }
});
function __envOr(name, dflt) {
  if (typeof dflt === 'string') return '${' + name + ':-' + dflt + '}';
  if (typeof dflt === 'number' || typeof dflt === 'boolean') {
    __notes.push({ kind: 'env-fixed', name: name, value: String(dflt) });
    return dflt;
  }
  return '${' + name + '}';
}
function __envNum(name, dflt) {
  var n = Number(dflt);
  __notes.push({ kind: 'env-fixed', name: name, value: String(n) });
  return n;
}
function __Metric(type) {
  var C = function (name, isTime) {
    this.name = String(name);
    this.__metric = { name: String(name), type: type, isTime: !!isTime };
    __metrics.push(this.__metric);
  };
  C.prototype.add = function () {};
  return C;
}
function __response() {
  return { status: 200, body: '', headers: {}, cookies: {}, timings: { duration: 0 },
           json: function () { return null; }, html: function () { return {}; } };
}
var __http = {
  get: __response, head: __response, post: __response, put: __response, patch: __response,
  del: __response, options: __response, request: __response,
  batch: function (r) { return Array.isArray(r) ? r.map(__response) : {}; },
  url: function (s) {
    var a = arguments;
    return s.raw.reduce(function (acc, part, i) { return acc + (i ? String(a[i]) : '') + part; }, '');
  },
  expectedStatuses: function () { return { __expected: Array.prototype.slice.call(arguments) }; },
  setResponseCallback: function () {},
  file: function (d, n, t) { return { data: d, filename: n, content_type: t }; },
  cookieJar: function () { return { set: function () {}, cookiesForURL: function () { return {}; } }; }
};
function __stubModule(name) {
  __notes.push({ kind: 'stub', name: name });
  return new Proxy({}, {
    get: function (t, k) {
      if (k === '__esModule' || typeof k !== 'string') return undefined;
      if (k === 'textSummary') return function () { return ''; };
      return function () { return undefined; };
    }
  });
}
var __builtins = {
  'k6/http': __http,
  'k6': {
    check: function () { return true; }, sleep: function () {}, fail: function (m) { throw new Error(m); },
    group: function (n, f) { return f(); }, randomSeed: function () {}
  },
  'k6/metrics': { Counter: __Metric('counter'), Gauge: __Metric('gauge'), Rate: __Metric('rate'),
                  Trend: __Metric('trend') },
  'k6-summary': { textSummary: function () { return ''; }, jUnit: function () { return ''; } },
  'k6/data': { SharedArray: function (name, fn) { return fn(); } },
  'k6/execution': __watch({
    vu: { idInTest: 1, idInInstance: 1, iterationInInstance: 0, iterationInScenario: 0, tags: {} },
    scenario: { name: 'default', executor: '', iterationInTest: 0, iterationInInstance: 0, progress: 0 },
    instance: { vusActive: 1, vusInitialized: 1, iterationsCompleted: 0, currentTestRunDuration: 0 },
    test: { abort: function () {}, options: {} }
  })
};
function __open(key) {
  return function (path, mode) { return __py_open(key, String(path), String(mode || '')); };
}
function __load(key) {
  if (__cache[key]) return __cache[key];
  var exports = {};
  __cache[key] = exports;
  __factories[key](exports, function (spec) { return __import(key, spec); }, __ENVPROXY, 0, 0, __open(key));
  return exports;
}
function __import(from, spec) {
  var key = __resolve[from][spec];
  if (key.charAt(0) === '#') return __load(key);
  if (__cache[key]) return __cache[key];
  var impl = __builtins[key] || __stubModule(key);
  var ns = impl instanceof Object && !(key in __builtins) ? impl : Object.assign({ default: impl }, impl);
  __cache[key] = ns;
  return ns;
}
function __evalIn(key, src, locals) {
  __touched = false;
  var v = __scopes[key](src, locals);
  return JSON.stringify({ v: v === undefined ? null : v, u: v === undefined, t: __touched });
}
var console = { log: function () {}, info: function () {}, warn: function () {}, error: function () {},
                debug: function () {} };

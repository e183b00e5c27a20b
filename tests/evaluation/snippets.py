"""Known-bad and known-good code for every semgrep rule: (rule id, language, bad code, good code)."""

from __future__ import annotations

FLASK = "from flask import Flask, request, send_file, make_response, render_template_string\n" \
        "from markupsafe import Markup, escape\nimport os, subprocess, sqlite3, yaml, pickle\n" \
        "app = Flask(__name__)\n"

PYTHON_RULES: list[tuple[str, str, str]] = [
    (
        "py-sqli-string-query",
        FLASK + "def find(cur, name):\n"
        "    query = \"SELECT * FROM users WHERE name = '%s'\" % name\n"
        "    cur.execute(query)\n",
        FLASK + "def find(cur, name):\n"
        "    query = 'SELECT * FROM users WHERE name = ?'\n"
        "    cur.execute(query, (name,))\n",
    ),
    (
        "py-sqli-string-query",
        FLASK + "def find(db, name):\n"
        "    db.cursor().execute(f\"DELETE FROM users WHERE name = '{name}'\")\n",
        FLASK + "def find(db, name):\n"
        "    db.cursor().execute('DELETE FROM users WHERE name = %s', (name,))\n",
    ),
    (
        "py-sqli-string-query",
        FLASK + "def find(cur, uid):\n"
        "    cur.execute('SELECT * FROM t WHERE id = ' + uid)\n",
        FLASK + "def find(cur, uid):\n"
        "    cur.execute('SELECT * FROM t ' + 'WHERE id = ?', [uid])\n",
    ),
    (
        "py-sqli-string-query",
        FLASK + "def find(cur, uid):\n"
        "    q = 'SELECT * FROM t WHERE id = {}'.format(uid)\n    cur.execute(q)\n",
        FLASK + "def find(cur, uid):\n"
        "    cur.execute('SELECT * FROM t WHERE id = :id', {'id': uid})\n",
    ),
    (
        "py-cmdi-shell-true",
        FLASK + "def ping(host):\n    return subprocess.check_output('ping -c 1 ' + host, shell=True)\n",
        FLASK + "def ping(host):\n    return subprocess.check_output(['ping', '-c', '1', host])\n",
    ),
    (
        "py-cmdi-shell-true",
        FLASK + "def ls(path):\n    subprocess.run(f'ls {path}', shell=True, check=True)\n",
        FLASK + "def ls():\n    subprocess.run('ls -l /tmp', shell=True, check=True)\n",
    ),
    (
        "py-cmdi-os-system",
        FLASK + "@app.route('/ping')\ndef ping():\n    url = request.args.get('url')\n"
        "    return str(os.system('ping -c 1 ' + url))\n",
        FLASK + "@app.route('/ping')\ndef ping():\n    url = request.args.get('url')\n"
        "    return str(subprocess.run(['ping', '-c', '1', url]).returncode)\n",
    ),
    (
        "py-cmdi-os-system",
        FLASK + "def count(name):\n    return os.popen('wc -l %s' % name).read()\n",
        FLASK + "def count():\n    return os.popen('uptime').read()\n",
    ),
    (
        "py-path-traversal",
        FLASK + "@app.route('/img')\ndef img():\n    name = request.args.get('file')\n"
        "    return open(os.path.join('images', name), 'rb').read()\n",
        FLASK + "@app.route('/img')\ndef img():\n    name = request.args.get('file')\n"
        "    return open(os.path.join('images', os.path.basename(name)), 'rb').read()\n",
    ),
    (
        "py-path-traversal",
        FLASK + "@app.route('/files/<path:name>')\ndef files(name):\n"
        "    return send_file('/srv/files/' + name)\n",
        FLASK + "from werkzeug.utils import secure_filename\n"
        "@app.route('/files/<path:name>')\ndef files(name):\n"
        "    return send_file(os.path.join('/srv/files', secure_filename(name)))\n",
    ),
    (
        "py-path-traversal",
        FLASK + "BASE = '/srv/data'\n@app.route('/read')\ndef read():\n"
        "    path = os.path.realpath(os.path.join(BASE, request.args['f']))\n"
        "    with open(path) as f:\n        return f.read()\n",
        FLASK + "BASE = '/srv/data'\n@app.route('/read')\ndef read():\n"
        "    path = os.path.realpath(os.path.join(BASE, request.args['f']))\n"
        "    if not path.startswith(BASE + os.sep):\n        return 'forbidden', 403\n"
        "    with open(path) as f:\n        return f.read()\n",
    ),
    (
        "py-xss-return-request-data",
        FLASK + "@app.route('/hello')\ndef hello():\n    name = request.args.get('name', '')\n"
        "    return '<h1>Hello ' + name + '</h1>'\n",
        FLASK + "@app.route('/hello')\ndef hello():\n    name = request.args.get('name', '')\n"
        "    return '<h1>Hello ' + escape(name) + '</h1>'\n",
    ),
    (
        "py-xss-return-request-data",
        FLASK + "@app.route('/hello/<username>')\ndef hello(username):\n"
        "    return make_response(f'<p>Hi {username}</p>')\n",
        FLASK + "import html\n@app.route('/hello/<username>')\ndef hello(username):\n"
        "    return make_response(f'<p>Hi {html.escape(username)}</p>')\n",
    ),
    (
        "py-xss-markup-request-data",
        FLASK + "@app.route('/c')\ndef c():\n    return Markup('<b>%s</b>' % request.args['c'])\n",
        FLASK + "@app.route('/c')\ndef c():\n    return Markup('<b>%s</b>') % request.args['c']\n",
    ),
    (
        "py-xss-template-string",
        FLASK + "@app.route('/t')\ndef t():\n    name = request.args.get('name')\n"
        "    return render_template_string('<p>Hello ' + name + '</p>')\n",
        FLASK + "@app.route('/t')\ndef t():\n    name = request.args.get('name')\n"
        "    return render_template_string('<p>Hello {{ name }}</p>', name=name)\n",
    ),
    (
        "py-yaml-unsafe-load",
        FLASK + "def parse(payload):\n    return yaml.load(payload)\n",
        FLASK + "def parse(payload):\n    return yaml.safe_load(payload)\n",
    ),
    (
        "py-yaml-unsafe-load",
        FLASK + "def parse(payload):\n    return yaml.load(payload, Loader=yaml.Loader)\n",
        FLASK + "def parse(payload):\n    return yaml.load(payload, Loader=yaml.SafeLoader)\n",
    ),
    (
        "py-pickle-load",
        FLASK + "@app.route('/load')\ndef load():\n    return str(pickle.loads(request.data))\n",
        FLASK + "import json\nfrom flask import jsonify\n@app.route('/load')\ndef load():\n"
        "    return jsonify(json.loads(request.data))\n",
    ),
    (
        "py-eval-nonconstant",
        FLASK + "@app.route('/calc')\ndef calc():\n    return str(eval(request.args.get('expr')))\n",
        FLASK + "import ast\nfrom flask import jsonify\n@app.route('/calc')\ndef calc():\n"
        "    return jsonify(ast.literal_eval(request.args.get('expr')))\n",
    ),
    (
        "py-path-join-parameter",
        "import os\n\ndef load_theme(theme_dir, theme_name):\n"
        "    with open(os.path.join(theme_dir, theme_name)) as fh:\n        return fh.read()\n",
        "import os\n\ndef load_theme(theme_dir, theme_name):\n"
        "    with open(os.path.join(theme_dir, os.path.basename(theme_name))) as fh:\n        return fh.read()\n",
    ),
    (
        "py-path-join-parameter",
        "from pathlib import Path\nROOT = Path('/srv/data')\n\ndef fetch(rel_path):\n"
        "    return (ROOT / rel_path).read_bytes()\n",
        "from pathlib import Path\nROOT = Path('/srv/data')\n\ndef fetch(rel_path):\n"
        "    target = (ROOT / rel_path).resolve()\n    if not target.is_relative_to(ROOT):\n"
        "        raise PermissionError(rel_path)\n    return target.read_bytes()\n",
    ),
]

C_HEAD = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <stdint.h>\n"

C_RULES: list[tuple[str, str, str]] = [
    (
        "c-strcpy-fixed-buffer",
        C_HEAD + "void greet(const char *name) {\n    char buf[32];\n    strcpy(buf, name);\n"
        "    puts(buf);\n}\n",
        C_HEAD + "void greet(const char *name) {\n    char buf[32];\n"
        "    snprintf(buf, sizeof(buf), \"%s\", name);\n    puts(buf);\n}\n",
    ),
    (
        "c-strcpy-fixed-buffer",
        C_HEAD + "void path(const char *dir) {\n    char p[64] = \"/home/\";\n    strcat(p, dir);\n"
        "    puts(p);\n}\n",
        C_HEAD + "void path(const char *dir) {\n    char p[64] = \"/home/\";\n"
        "    strncat(p, dir, sizeof(p) - strlen(p) - 1);\n    puts(p);\n}\n",
    ),
    (
        "c-sprintf-fixed-buffer",
        C_HEAD + "void msg(const char *user) {\n    char out[64];\n"
        "    sprintf(out, \"hello %s!\", user);\n    puts(out);\n}\n",
        C_HEAD + "void msg(int n) {\n    char out[64];\n    sprintf(out, \"count=%d\", n);\n    puts(out);\n}\n",
    ),
    (
        "c-gets",
        C_HEAD + "int main(void) {\n    char line[100];\n    gets(line);\n    puts(line);\n    return 0;\n}\n",
        C_HEAD + "int main(void) {\n    char line[100];\n    if (fgets(line, sizeof(line), stdin)) puts(line);\n"
        "    return 0;\n}\n",
    ),
    (
        "c-cmdi-system",
        C_HEAD + "int list(const char *dir) {\n    char cmd[256];\n"
        "    snprintf(cmd, sizeof(cmd), \"ls %s\", dir);\n    return system(cmd);\n}\n",
        C_HEAD + "int list(void) {\n    return system(\"ls -l /tmp\");\n}\n",
    ),
    (
        "c-cmdi-system",
        C_HEAD + "void run(const char *cmd) {\n    FILE *p = popen(cmd, \"r\");\n    if (p) pclose(p);\n}\n",
        C_HEAD + "void run(void) {\n    FILE *p = popen(\"date\", \"r\");\n    if (p) pclose(p);\n}\n",
    ),
    (
        "c-malloc-mult-overflow",
        C_HEAD + "int *make(size_t n) {\n    int *a = malloc(n * sizeof(int));\n    return a;\n}\n",
        C_HEAD + "int *make(size_t n) {\n    if (n > SIZE_MAX / sizeof(int)) return NULL;\n"
        "    int *a = malloc(n * sizeof(int));\n    return a;\n}\n",
    ),
    (
        "c-malloc-mult-overflow",
        C_HEAD + "char *grid(int w, int h) {\n    return malloc(w * h);\n}\n",
        C_HEAD + "char *grid(size_t w, size_t h) {\n    return calloc(w, h);\n}\n",
    ),
    (
        "c-use-after-free",
        C_HEAD + "int f(void) {\n    int *p = malloc(sizeof(int));\n    if (!p) return -1;\n    *p = 1;\n"
        "    free(p);\n    return *p;\n}\n",
        C_HEAD + "int f(void) {\n    int *p = malloc(sizeof(int));\n    if (!p) return -1;\n    *p = 1;\n"
        "    int v = *p;\n    free(p);\n    return v;\n}\n",
    ),
    (
        "c-use-after-free",
        C_HEAD + "struct node { int v; struct node *next; };\n"
        "void drop(struct node *n) {\n    free(n);\n    printf(\"%d\\n\", n->v);\n}\n",
        C_HEAD + "struct node { int v; struct node *next; };\n"
        "void drop(struct node *n) {\n    printf(\"%d\\n\", n->v);\n    free(n);\n    n = NULL;\n}\n",
    ),
    (
        "c-null-deref",
        C_HEAD + "int *make(void) {\n    int *p = malloc(4 * sizeof(int));\n    p[0] = 7;\n    return p;\n}\n",
        C_HEAD + "int *make(void) {\n    int *p = malloc(4 * sizeof(int));\n    if (p == NULL) return NULL;\n"
        "    p[0] = 7;\n    return p;\n}\n",
    ),
    (
        "c-null-deref",
        C_HEAD + "void first(const char *path, char *out) {\n    FILE *f = fopen(path, \"r\");\n"
        "    fgets(out, 80, f);\n    fclose(f);\n}\n",
        C_HEAD + "void first(const char *path, char *out) {\n    FILE *f = fopen(path, \"r\");\n"
        "    if (!f) return;\n    fgets(out, 80, f);\n    fclose(f);\n}\n",
    ),
    (
        "c-null-deref",
        C_HEAD + "size_t home_len(void) {\n    char *home = getenv(\"HOME\");\n    return strlen(home);\n}\n",
        C_HEAD + "size_t home_len(void) {\n    char *home = getenv(\"HOME\");\n"
        "    if (home) {\n        return strlen(home);\n    }\n    return 0;\n}\n",
    ),
    (
        "c-null-deref",
        C_HEAD + "int verb_is_quit(char *line) {\n    char *word = strtok(line, \" \");\n"
        "    return strcmp(word, \"quit\") == 0;\n}\n",
        C_HEAD + "int verb_is_quit(char *line) {\n    char *word = strtok(line, \" \");\n"
        "    return word != NULL && strcmp(word, \"quit\") == 0;\n}\n",
    ),
    (
        "c-null-deref",  # a test that only mentions the pointer is not a NULL check
        C_HEAD + "int head(const char *path, char *line) {\n    FILE *f = fopen(path, \"r\");\n"
        "    if (fgets(line, 64, f) == NULL) line[0] = 0;\n    return fclose(f);\n}\n",
        C_HEAD + "int head(const char *path, char *line) {\n    FILE *f = fopen(path, \"r\");\n"
        "    if (f == NULL) return -1;\n    if (fgets(line, 64, f) == NULL) line[0] = 0;\n    return fclose(f);\n}\n",
    ),
    (
        "c-index-param-read-unchecked",
        C_HEAD + "double price(const double *prices, size_t n, int item) {\n    (void)n;\n    return prices[item];\n}\n",
        C_HEAD + "double price(const double *prices, size_t n, int item) {\n"
        "    if (item < 0 || (size_t)item >= n) return 0.0;\n    return prices[item];\n}\n",
    ),
    (
        "c-index-param-write-unchecked",
        C_HEAD + "void mark(char *seen, int n, int id) {\n    (void)n;\n    seen[id] = 1;\n}\n",
        C_HEAD + "void mark(char *seen, int n, int id) {\n    if (id >= 0 && id < n) {\n        seen[id] = 1;\n    }\n}\n",
    ),
    (
        "c-loop-inclusive-bound",
        C_HEAD + "long total(const long *xs, int len) {\n    long t = 0;\n"
        "    for (int k = 0; k <= len; k++) t += xs[k];\n    return t;\n}\n",
        C_HEAD + "long total(const long *xs, int len) {\n    long t = 0;\n"
        "    for (int k = 0; k < len; k++) t += xs[k];\n    return t;\n}\n",
    ),
    (
        "c-memcpy-fixed-buffer-unchecked",
        C_HEAD + "void keep(const unsigned char *data, size_t size) {\n    unsigned char copy[128];\n"
        "    memcpy(copy, data, size);\n    (void)copy;\n}\n",
        C_HEAD + "void keep(const unsigned char *data, size_t size) {\n    unsigned char copy[128];\n"
        "    if (size > sizeof copy) return;\n    memcpy(copy, data, size);\n    (void)copy;\n}\n",
    ),
    (
        "c-int-guard-against-int-max",
        C_HEAD + "#include <limits.h>\nint area(int w, int h) {\n    int a = w * h;\n"
        "    if (a > INT_MAX) return -1;\n    return a;\n}\n",
        C_HEAD + "#include <limits.h>\nint area(int w, int h) {\n    long long a = (long long)w * h;\n"
        "    if (a > INT_MAX) return -1;\n    return (int)a;\n}\n",
    ),
    (
        "c-alloc-size-add-unchecked",
        C_HEAD + "char *frame(int payload) {\n    return malloc(payload + 8);\n}\n",
        C_HEAD + "#include <limits.h>\nchar *frame(int payload) {\n    if (payload < 0 || payload > INT_MAX - 8) return NULL;\n"
        "    return malloc(payload + 8);\n}\n",
    ),
    (
        "c-unbounded-string-copy",
        C_HEAD + "struct user { char name[16]; };\nvoid set_name(struct user *u, const char *name) {\n"
        "    strcpy(u->name, name);\n}\n",
        C_HEAD + "struct user { char name[16]; };\nvoid set_name(struct user *u, const char *name) {\n"
        "    snprintf(u->name, sizeof u->name, \"%s\", name);\n}\n",
    ),
    (
        "c-unbounded-string-copy",
        C_HEAD + "void label(char *out, unsigned long id) {\n    sprintf(out, \"id-%lu\", id);\n}\n",
        C_HEAD + "void label(char *out, size_t cap, unsigned long id) {\n    snprintf(out, cap, \"id-%lu\", id);\n}\n",
    ),
    (
        "c-strncpy-source-length",
        C_HEAD + "void set_host(char host[64], const char *h) {\n    strncpy(host, h, strlen(h) + 1);\n}\n",
        C_HEAD + "void set_host(char host[64], const char *h) {\n    strncpy(host, h, 63);\n    host[63] = '\\0';\n}\n",
    ),
    (
        "c-copy-loop-until-nul",
        C_HEAD + "void lower(char out[32], const char *in) {\n    int j = 0;\n"
        "    while (in[j] != '\\0') {\n        out[j] = in[j] | 0x20;\n        j++;\n    }\n    out[j] = 0;\n}\n",
        C_HEAD + "void lower(char out[32], const char *in) {\n    int j = 0;\n"
        "    while (in[j] != '\\0' && j < 31) {\n        out[j] = in[j] | 0x20;\n        j++;\n    }\n    out[j] = 0;\n}\n",
    ),
    (
        "c-read-terminator-at-count",
        C_HEAD + "#include <unistd.h>\nint slurp(int fd, char *buf, size_t cap) {\n"
        "    ssize_t got = read(fd, buf, cap);\n    if (got < 0) return -1;\n    buf[got] = 0;\n    return 0;\n}\n",
        C_HEAD + "#include <unistd.h>\nint slurp(int fd, char *buf, size_t cap) {\n"
        "    ssize_t got = read(fd, buf, cap - 1);\n    if (got < 0) return -1;\n    buf[got] = 0;\n    return 0;\n}\n",
    ),
    (
        "c-dest-size-param-ignored",
        C_HEAD + "size_t to_upper(const char *in, char *out, size_t out_len) {\n    size_t i = 0;\n"
        "    for (; in[i] != '\\0'; i++)\n        out[i] = (char)(in[i] & ~0x20);\n    out[i] = '\\0';\n    return i;\n}\n",
        C_HEAD + "size_t to_upper(const char *in, char *out, size_t out_len) {\n    size_t i = 0;\n"
        "    if (out_len == 0) return 0;\n    for (; in[i] != '\\0' && i + 1 < out_len; i++)\n"
        "        out[i] = (char)(in[i] & ~0x20);\n    out[i] = '\\0';\n    return i;\n}\n",
    ),
    (
        "c-source-length-param-ignored",
        C_HEAD + "uint32_t read_u32(const unsigned char *msg, size_t msg_len) {\n    uint32_t v;\n"
        "    memcpy(&v, msg + 4, sizeof v);\n    return v;\n}\n",
        C_HEAD + "uint32_t read_u32(const unsigned char *msg, size_t msg_len) {\n    uint32_t v = 0;\n"
        "    if (msg_len < 8) return 0;\n    memcpy(&v, msg + 4, sizeof v);\n    return v;\n}\n",
    ),
    (
        "c-index-lower-bound-only",
        C_HEAD + "static char names[10][16];\nconst char *name_at(int id) {\n    if (id < 0) return NULL;\n"
        "    return names[id];\n}\n",
        C_HEAD + "static char names[10][16];\nconst char *name_at(int id) {\n    if (id < 0 || id >= 10) return NULL;\n"
        "    return names[id];\n}\n",
    ),
    (
        "c-index-bound-off-by-one",
        C_HEAD + "void set_flag(unsigned char *flags, size_t nflags, size_t pos) {\n"
        "    if (pos > nflags) return;\n    flags[pos] = 1;\n}\n",
        C_HEAD + "void set_flag(unsigned char *flags, size_t nflags, size_t pos) {\n"
        "    if (pos >= nflags) return;\n    flags[pos] = 1;\n}\n",
    ),
    (
        "c-clamp-to-capacity-then-terminate",
        C_HEAD + "void take(char *dst, size_t size, const char *src, size_t len) {\n"
        "    if (len > size) len = size;\n    memcpy(dst, src, len);\n    dst[len] = '\\0';\n}\n",
        C_HEAD + "void take(char *dst, size_t size, const char *src, size_t len) {\n    if (size == 0) return;\n"
        "    if (len > size - 1) len = size - 1;\n    memcpy(dst, src, len);\n    dst[len] = '\\0';\n}\n",
    ),
    (
        "c-struct-index-no-wrap",
        C_HEAD + "struct hist { int v[16]; unsigned pos; };\nvoid hist_add(struct hist *h, int x) {\n"
        "    h->v[h->pos] = x;\n    h->pos++;\n}\n",
        C_HEAD + "struct hist { int v[16]; unsigned pos; };\nvoid hist_add(struct hist *h, int x) {\n"
        "    h->v[h->pos] = x;\n    h->pos = (h->pos + 1) % 16;\n}\n",
    ),
    (
        "c-pointer-walks-back-unbounded",
        C_HEAD + "#include <ctype.h>\nvoid rstrip(char *s) {\n    char *p = s + strlen(s) - 1;\n"
        "    while (isspace((unsigned char)*p))\n        *p-- = '\\0';\n}\n",
        C_HEAD + "#include <ctype.h>\nvoid rstrip(char *s) {\n    size_t n = strlen(s);\n"
        "    while (n > 0 && isspace((unsigned char)s[n - 1]))\n        s[--n] = '\\0';\n}\n",
    ),
    (
        "c-record-length-trusted-in-loop",
        C_HEAD + "int count_records(const unsigned char *p, size_t len) {\n    size_t off = 0;\n    int n = 0;\n"
        "    while (off < len) {\n        size_t rec = p[off + 1];\n        off += 2 + rec;\n        n++;\n    }\n"
        "    return n;\n}\n",
        C_HEAD + "int count_records(const unsigned char *p, size_t len) {\n    size_t off = 0;\n    int n = 0;\n"
        "    while (off < len) {\n        if (len - off < 2) return -1;\n        size_t rec = p[off + 1];\n"
        "        off += 2 + rec;\n        n++;\n    }\n    return n;\n}\n",
    ),
    (
        "c-memcpy-member-unchecked",
        C_HEAD + "struct user { char name[32]; int id; };\nvoid set_name(struct user *u, const char *n, size_t n_len) {\n"
        "    memcpy(u->name, n, n_len);\n}\n",
        C_HEAD + "struct user { char name[32]; int id; };\nvoid set_name(struct user *u, const char *n, size_t n_len) {\n"
        "    if (n_len >= sizeof(u->name)) return;\n    memcpy(u->name, n, n_len);\n    u->name[n_len] = '\\0';\n}\n",
    ),
    (
        "c-alloc-size-arith-unchecked",
        C_HEAD + "double *grid(size_t w, size_t h) {\n    size_t cells = w * h;\n"
        "    return malloc(cells * sizeof(double));\n}\n",
        C_HEAD + "double *grid(size_t w, size_t h) {\n    if (h != 0 && w > SIZE_MAX / sizeof(double) / h) return NULL;\n"
        "    size_t cells = w * h;\n    return malloc(cells * sizeof(double));\n}\n",
    ),
    (
        "c-alloc-size-arith-unchecked",
        C_HEAD + "char **make_rows(int rows) {\n    return malloc(sizeof(char *) * rows);\n}\n",
        C_HEAD + "char **make_rows(int rows) {\n    if (rows <= 0 || (size_t)rows > SIZE_MAX / sizeof(char *)) return NULL;\n"
        "    return malloc(sizeof(char *) * (size_t)rows);\n}\n",
    ),
    (
        "c-narrow-alloc-size-plus-constant",
        C_HEAD + "char *frame(const char *p, uint32_t n) {\n    char *f = malloc(n + 2);\n    if (!f) return NULL;\n"
        "    memcpy(f + 1, p, n);\n    return f;\n}\n",
        C_HEAD + "char *frame(const char *p, uint32_t n) {\n    char *f = malloc((size_t)n + 2);\n    if (!f) return NULL;\n"
        "    memcpy(f + 1, p, n);\n    return f;\n}\n",
    ),
    (
        "c-accumulate-unchecked",
        C_HEAD + "int total_bytes(const unsigned *sizes, int n, unsigned *out) {\n    unsigned sum = 0;\n"
        "    for (int i = 0; i < n; i++)\n        sum += sizes[i];\n    *out = sum;\n    return 0;\n}\n",
        C_HEAD + "#include <limits.h>\nint total_bytes(const unsigned *sizes, int n, unsigned *out) {\n    unsigned sum = 0;\n"
        "    for (int i = 0; i < n; i++) {\n        if (sizes[i] > UINT_MAX - sum) return -1;\n        sum += sizes[i];\n    }\n"
        "    *out = sum;\n    return 0;\n}\n",
    ),
    (
        "c-int-param-arith-unchecked",
        C_HEAD + "int area(int w, int h) {\n    return w * h;\n}\n",
        C_HEAD + "#include <limits.h>\nint area(int w, int h) {\n    if (w <= 0 || h <= 0 || w > INT_MAX / h) return -1;\n"
        "    return w * h;\n}\n",
    ),
    (
        "c-bounds-check-sum-wraps",
        C_HEAD + "int slice(const char *b, size_t size, size_t start, size_t count, char *o) {\n"
        "    if (start + count > size) return -1;\n    memcpy(o, b + start, count);\n    return 0;\n}\n",
        C_HEAD + "int slice(const char *b, size_t size, size_t start, size_t count, char *o) {\n"
        "    if (start > size || count > size - start) return -1;\n    memcpy(o, b + start, count);\n    return 0;\n}\n",
    ),
    (
        "c-stale-pointer-after-realloc",
        C_HEAD + "struct arr { int *items; size_t n; };\nint push_copy_first(struct arr *a) {\n"
        "    int *first = a->items;\n    int *grown = realloc(a->items, (a->n + 1) * sizeof(int));\n"
        "    if (grown == NULL) return -1;\n    a->items = grown;\n    a->items[a->n++] = *first;\n    return 0;\n}\n",
        C_HEAD + "struct arr { int *items; size_t n; };\nint push_copy_first(struct arr *a) {\n"
        "    int *first = a->items;\n    int *grown = realloc(a->items, (a->n + 1) * sizeof(int));\n"
        "    if (grown == NULL) return -1;\n    a->items = grown;\n    first = a->items;\n"
        "    a->items[a->n++] = *first;\n    return 0;\n}\n",
    ),
    (
        "c-freed-list-head-kept",
        C_HEAD + "struct node { struct node *next; };\nstruct list { struct node *first; size_t len; };\n"
        "void list_clear(struct list *l) {\n    struct node *it = l->first;\n    while (it != NULL) {\n"
        "        struct node *nx = it->next;\n        free(it);\n        it = nx;\n    }\n    l->len = 0;\n}\n",
        C_HEAD + "struct node { struct node *next; };\nstruct list { struct node *first; size_t len; };\n"
        "void list_clear(struct list *l) {\n    struct node *it = l->first;\n    while (it != NULL) {\n"
        "        struct node *nx = it->next;\n        free(it);\n        it = nx;\n    }\n    l->first = NULL;\n"
        "    l->len = 0;\n}\n",
    ),
]

# Idiomatic secure code that no rule may flag (precision regressions): (name, code).
CLEAN_PYTHON: list[tuple[str, str]] = [
    ("multi-line literal query", FLASK + "def f(db, x):\n    q = ('SELECT a, b '\n         'FROM t '\n"
     "         'WHERE id = ?')\n    db.execute(q, (x,))\n"),
    ("template render", FLASK + "from flask import render_template\n@app.route('/h')\ndef h():\n"
     "    name = request.args.get('name')\n    return render_template('h.html', name=name)\n"),
    ("escaped f-string", FLASK + "@app.route('/h')\ndef h():\n    name = request.args.get('name')\n"
     "    return f'<p>{escape(name)}</p>'\n"),
    ("send_from_directory", FLASK + "from flask import send_from_directory\n@app.route('/r/<path:filename>')\n"
     "def r(filename):\n    return send_from_directory('static', filename)\n"),
    ("parameterized moderator check", FLASK + "@app.route('/check_mod')\ndef check_mod():\n"
     "    username = request.args.get('username')\n    cur = sqlite3.connect('d.db').cursor()\n"
     "    cur.execute('SELECT is_mod FROM users WHERE username = ?', (username,))\n"
     "    row = cur.fetchone()\n    return 'true' if row and row[0] else 'false'\n"),
]

CLEAN_C: list[tuple[str, str]] = [
    ("checked malloc then strcpy", C_HEAD + "char *dup(const char *s) {\n    char *d = malloc(strlen(s) + 1);\n"
     "    if (d == NULL) return NULL;\n    strcpy(d, s);\n    return d;\n}\n"),
    ("linked list free loop", C_HEAD + "struct n { struct n *next; };\nvoid freeall(struct n *h) {\n"
     "    while (h) {\n        struct n *next = h->next;\n        free(h);\n        h = next;\n    }\n}\n"),
    ("getenv checked in condition", C_HEAD + "int f(void) {\n    const char *v = getenv(\"X\");\n"
     "    if (v == NULL || strlen(v) == 0) return 0;\n    return (int)strlen(v);\n}\n"),
    ("overflow check with zero test", C_HEAD + "int *f(size_t n) {\n"
     "    if (n == 0 || n > SIZE_MAX / sizeof(int)) return NULL;\n    return malloc(n * sizeof(int));\n}\n"),
    ("constant-size malloc", C_HEAD + "int *f(void) {\n    int *p = malloc(10 * sizeof(int));\n"
     "    if (!p) return NULL;\n    return p;\n}\n"),
    ("assignment inside the NULL check", C_HEAD + "int f(void) {\n    char *p;\n"
     "    if ((p = malloc(10)) == NULL) return -1;\n    p[0] = 1;\n    free(p);\n    return 0;\n}\n"),
    ("index guarded earlier in the same condition", C_HEAD + "size_t trim(const char *t, size_t n) {\n"
     "    while (n > 0 && t[n - 1] == ' ')\n        n--;\n    return n;\n}\n"),
    ("count capped before a widened allocation", C_HEAD + "#define MAX_ITEMS 1000\ndouble *alloc(long count) {\n"
     "    if (count <= 0 || count > MAX_ITEMS) return NULL;\n    return malloc((size_t)count * sizeof(double));\n}\n"),
    ("length parameter bounds the loop", C_HEAD + "int sum(const unsigned char *b, size_t len) {\n    int s = 0;\n"
     "    for (size_t i = 0; i < len; i++)\n        s ^= b[i];\n    return s;\n}\n"),
    ("ring index wrapped with a mask", C_HEAD + "struct q { int v[8]; unsigned w; };\nvoid put(struct q *q, int x) {\n"
     "    q->v[q->w] = x;\n    q->w = (q->w + 1) & 7;\n}\n"),
    ("widened product of narrow fields", C_HEAD + "struct hdr { uint16_t rows, cols; };\nvoid *table(const struct hdr *h) {\n"
     "    size_t n = (size_t)h->rows * (size_t)h->cols;\n    return malloc(n);\n}\n"),
]

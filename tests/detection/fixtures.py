"""Fixture pairs for the detection tests: short, real-looking secure/insecure snippets over three CWEs."""

from __future__ import annotations

from secsteer.data.pairs import ContrastPair

PAIRS = [
    ContrastPair("fx/sql/1", "CWE-89", "python",
                 "cur.execute('SELECT * FROM users WHERE id = ?', (uid,))\n",
                 "cur.execute('SELECT * FROM users WHERE id = %s' % uid)\n"),
    ContrastPair("fx/sql/2", "CWE-89", "python",
                 "db.execute('DELETE FROM t WHERE name = ?', (name,))\n",
                 "db.execute(f'DELETE FROM t WHERE name = {name}')\n"),
    ContrastPair("fx/cmd/1", "CWE-78", "python",
                 "subprocess.run(['ls', '-l', path], check=True)\n",
                 "os.system('ls -l ' + path)\n"),
    ContrastPair("fx/cmd/2", "CWE-78", "python",
                 "subprocess.run(['grep', word, log], check=True)\n",
                 "subprocess.run('grep ' + word + ' ' + log, shell=True)\n"),
    ContrastPair("fx/oob/1", "CWE-787", "c",
                 "strncpy(buf, src, sizeof(buf) - 1);\nbuf[sizeof(buf) - 1] = 0;\n",
                 "strcpy(buf, src);\n"),
    ContrastPair("fx/oob/2", "CWE-787", "c",
                 "if (n < sizeof(buf)) buf[n] = c;\n",
                 "buf[n] = c;\n"),
]

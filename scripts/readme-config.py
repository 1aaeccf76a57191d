#!/usr/bin/env python3
"""Rewrite README.md's configuration table from `authgate config docs` (make docs)."""
import subprocess
import sys

binary = sys.argv[1] if len(sys.argv) > 1 else 'build/authgate'
table = subprocess.run([binary, 'config', 'docs'], check=True, capture_output=True, text=True, env={}).stdout
text = open('README.md').read()
start = text.index('<!-- config:start')
start = text.index('\n', start) + 1
end = text.index('<!-- config:end -->')
open('README.md', 'w').write(text[:start] + table + text[end:])

import re, sys, os
COMMON = ["connect_ip","connect_port","bindto","bind_port","bind_if","connect_timeout","fwmark","retry",
          "delay_before_retry","warmup","delay_loop","alpha","log_all_failures"]
out = []
def scan(path, start, text=None, keyword_var=None):
    base = list(start); cur = list(start); last = None
    text = text or open(path).read()
    for m in re.finditer(r'install_(keyword_root|keyword|sublevel_end|sublevel|checker_common_keywords)\s*\(\s*("([^"]+)"|(\w+))?', text):
        kind, name = m.group(1), m.group(3) or (keyword_var if m.group(4) == 'keyword' else None)
        if kind == 'checker_common_keywords':
            for c in COMMON: out.append(('/'.join(cur), c))
        elif kind == 'keyword_root':
            cur = base + [name]; last = None
            out.append(('/'.join(base) or '(top)', name))
        elif kind == 'keyword':
            if name is None: continue
            out.append(('/'.join(cur) or '(top)', name)); last = name
        elif kind == 'sublevel':
            cur = cur + [last]
        elif kind == 'sublevel_end':
            cur = cur[:-1]
scan('core/global_parser.c', [])
scan('vrrp/vrrp_parser.c', [])
scan('check/check_parser.c', [])
scan('trackers/track_file.c', [])
scan('bfd/bfd_parser.c', [])
RS = ['virtual_server', 'real_server']
for f in sorted(os.listdir('check')):
    if f == 'check_http.c':
        t = open('check/' + f).read()
        body = t[t.index('install_http_ssl_check_keyword(const char *keyword)'):t.index('install_http_check_keyword(void)')]
        scan(None, RS, body, 'HTTP_GET'); scan(None, RS, body, 'SSL_GET')
    elif f.startswith('check_') and f.endswith('.c') and f not in ('check_parser.c','check_data.c','check_daemon.c','check_api.c','check_print.c','check_snmp.c'):
        scan('check/' + f, RS)
seen=set()
for b,k in out:
    if (b,k) in seen: continue
    seen.add((b,k)); print(b + '\t' + k)

#!/usr/bin/env python3
"""Screenshots of the signed-in web pages with headless Chromium (a development aid, not a test).

Usage: scripts/screenshot.py BASE_URL USER PASSWORD OUT_DIR PATH [PATH...]
Needs: apt-get install chromium fonts-noto-cjk; pip install websocket-client.
Logs in through the real login form (cookie and CSRF token), then drives Chromium over the DevTools
protocol with that session cookie.
"""
import base64, json, re, subprocess, sys, time, urllib.parse, urllib.request, http.cookiejar
import websocket

base, user, password, out, paths = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
page = opener.open(base + "/login").read().decode()
token = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
opener.open(base + "/login", urllib.parse.urlencode({"username": user, "password": password, "_csrf": token}).encode())
cookie = next(c for c in jar if c.name == "jiuzhu_session")

proc = subprocess.Popen(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                         "--remote-debugging-port=9333", "--window-size=1280,900", "about:blank"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(50):
        try:
            targets = json.load(urllib.request.urlopen("http://127.0.0.1:9333/json"))
            break
        except Exception:
            time.sleep(0.2)
    ws = websocket.create_connection(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
    n = 0
    def call(method, **params):
        global n
        n += 1
        ws.send(json.dumps({"id": n, "method": method, "params": params}))
        while True:
            msg = json.loads(ws.recv())
            if msg.get("id") == n:
                return msg.get("result", {})
    call("Network.enable")
    call("Network.setCookie", name=cookie.name, value=cookie.value, url=base)
    for i, path in enumerate(paths):
        call("Page.navigate", url=base + path)
        time.sleep(1.5)
        h = call("Runtime.evaluate", expression="document.documentElement.scrollHeight")["result"]["value"]
        call("Emulation.setDeviceMetricsOverride", width=1280, height=min(int(h), 2400), deviceScaleFactor=1, mobile=False)
        shot = call("Page.captureScreenshot", format="png")
        name = f"{out}/{i:02d}-" + (re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home") + ".png"
        open(name, "wb").write(base64.b64decode(shot["data"]))
        print(name)
finally:
    proc.terminate()

/// The site's stylesheet, compiled into the binary so pages look right whatever the working
/// directory (no npm, no build step; plain CSS).
enum Stylesheet {
    static let css = """
    :root { --blue: #1d4f91; --red: #b42318; --green: #067647; --amber: #b54708; --grey: #667085; --line: #d0d5dd; }
    * { box-sizing: border-box; }
    body { margin: 0; font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; color: #101828;
           background: #f5f7fa; font-size: 15px; line-height: 1.6; }
    header.top { display: flex; align-items: center; gap: 24px; background: var(--blue); color: #fff; padding: 8px 20px; flex-wrap: wrap; }
    header.top a { color: #fff; text-decoration: none; }
    header.top .brand { font-weight: 700; font-size: 17px; }
    header.top nav { display: flex; gap: 4px; flex: 1; flex-wrap: wrap; }
    header.top nav a { padding: 6px 12px; border-radius: 4px; }
    header.top nav a.active, header.top nav a:hover { background: rgba(255,255,255,.18); }
    header.top .logout { display: flex; gap: 8px; align-items: center; font-size: 13px; }
    header.top .logout button { background: transparent; border: 1px solid #fff; color: #fff; padding: 2px 10px; }
    .demo-mark { background: #fef0c7; color: #93370d; text-align: center; padding: 4px; font-size: 13px; border-bottom: 1px solid #fedf89; }
    main { max-width: 1200px; margin: 0 auto; padding: 16px 20px 48px; }
    h1 { font-size: 22px; margin: 8px 0 16px; } h2 { font-size: 18px; margin: 24px 0 8px; }
    table { border-collapse: collapse; width: 100%; background: #fff; margin: 8px 0 16px; }
    th, td { border: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
    th { background: #eef2f6; font-weight: 600; white-space: nowrap; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; margin: 8px 0 16px; }
    .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; }
    .card .value { font-size: 24px; font-weight: 700; color: var(--blue); }
    .card .label { color: var(--grey); font-size: 13px; }
    .card.warn .value { color: var(--red); }
    form.inline { display: inline-flex; gap: 8px; align-items: end; flex-wrap: wrap; margin: 4px 0; }
    form.stack { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 8px 0 16px; }
    form.stack label { display: block; margin: 6px 0; }
    label { font-size: 14px; color: #344054; }
    input, select, textarea { font: inherit; padding: 5px 8px; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
    textarea { width: 100%; min-height: 60px; }
    button { font: inherit; padding: 6px 16px; border-radius: 4px; border: 1px solid var(--blue); background: var(--blue); color: #fff; cursor: pointer; }
    button.secondary { background: #fff; color: var(--blue); }
    button.danger { background: var(--red); border-color: var(--red); }
    .flash { padding: 8px 12px; border-radius: 4px; background: #eff8ff; border: 1px solid #b2ddff; }
    .flash.error { background: #fef3f2; border-color: #fecdca; color: var(--red); }
    .flash.success { background: #ecfdf3; border-color: #abefc6; color: var(--green); }
    .badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; background: #eef2f6; color: #344054; white-space: nowrap; }
    .badge.ok { background: #ecfdf3; color: var(--green); } .badge.warn { background: #fffaeb; color: var(--amber); }
    .badge.bad { background: #fef3f2; color: var(--red); }
    .muted { color: var(--grey); font-size: 13px; }
    .pager { margin: 8px 0; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
    .login { max-width: 360px; margin: 60px auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 24px; }
    .login label { display: block; margin: 10px 0; } .login input { width: 100%; }
    .grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff; border: 1px solid var(--line); padding: 12px 16px; border-radius: 6px; }
    dl.facts dt { color: var(--grey); } dl.facts dd { margin: 0; }
    ol.trace { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 8px 8px 32px; font-size: 14px; }
    pre.table { background: #fff; border: 1px solid var(--line); padding: 12px; overflow-x: auto; }
    .notice { background: #fff; border: 1px solid var(--line); padding: 32px 48px; max-width: 800px; margin: 0 auto; }
    .notice h1 { text-align: center; font-size: 24px; } .notice .sign { text-align: right; margin-top: 32px; }
    @media (max-width: 700px) { .grid2 { grid-template-columns: 1fr; } main { padding: 8px; } }
    @media print {
      header.top, form, .pager, button { display: none !important; }
      body { background: #fff; } main { max-width: none; padding: 0; }
      .demo-mark { border: 1px solid #000; }
    }
    """
}

# 看板：一目了然的月度情况（服务器端绘制图表）。
nav-dashboard = 看板
dash-procurement-title = 采购一览
dash-as-of = 数据截至 { $date }。
dash-draws-title = 各项目每月领用
dash-draws-desc = 近 { $months } 个月各项目从物资超市领用的物资金额（发料减退料，含税，元），每个项目一根柱。
dash-suppliers-title = 供应商分布
dash-suppliers-desc = 各阶段的供应商数量：申请中（草稿至已推荐）、已准入、已暂停、因不合格被清退、未通过。
dash-suppliers-series = 供应商
dash-month = 月份
dash-show-table = 查看数据
dash-nothing = 这几个月没有数据。
dash-stage-applying = 申请中
dash-stage-admitted = 已准入
dash-stage-suspended = 已暂停
dash-stage-removed = 已清退
dash-stage-rejected = 未通过
dash-stage = 阶段

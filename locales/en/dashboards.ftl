# Dashboards: the month at a glance (charts drawn on the server).
nav-dashboard = Dashboard
dash-procurement-title = Procurement at a glance
dash-as-of = Figures up to { $date }.
dash-draws-title = What each site drew, by month
dash-draws-desc = Value of the goods each site drew from the supermarket (issues less returns, yuan incl. VAT) in each of the last { $months } months, a bar per site.
dash-suppliers-title = Suppliers by stage
dash-suppliers-desc = How many suppliers are at each stage: applying (from draft to recommended), admitted, suspended, removed after failures, rejected.
dash-suppliers-series = Suppliers
dash-month = Month
dash-show-table = Show the figures
dash-nothing = Nothing in these months.
dash-stage-applying = Applying
dash-stage-admitted = Admitted
dash-stage-suspended = Suspended
dash-stage-removed = Removed
dash-stage-rejected = Rejected
dash-stage = Stage

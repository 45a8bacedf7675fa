app-name = 物资超市

## Navigation
nav-menu = 菜单
nav-home = 首页
nav-materials = 物资目录
nav-organisation = 项目部与仓库
nav-users = 用户
nav-audit = 审计日志
nav-outbox = 邮件队列
nav-jobs = 定时任务
nav-account = 我的账户
nav-logout = 退出登录

## Common words
common-yes = 是
common-no = 否
common-save = 保存
common-add = 添加
common-none = — 无 —
common-all = 全部
common-search = 搜索
common-from = 起
common-to = 止
common-total-more = 超过 { $count } 条
common-total = 共 { $count } 条
common-prev = ‹ 上一页
common-next = 下一页 ›

## Error pages and error codes
error-back-home = 返回首页
error-page-403 = 无权访问
error-page-404 = 页面不存在
error-page-500 = 系统出错了
error-page-other = 请求未能完成
error-validation_failed = 部分字段需要修改。
error-bad_request = 无法读取该请求。
error-unauthenticated = 请先登录。
error-token_invalid = 登录凭证无效，请重新登录。
error-token_expired = 登录已过期，请重新登录。
error-bad_credentials = 邮箱或密码错误。
error-forbidden = 您的角色无权进行此操作。
error-csrf_failed = 表单已过期，请刷新页面后重试。
error-not_found = 未找到相关内容。
error-duplicate = 该记录已存在。
error-reference_missing_or_in_use = 所引用的记录不存在，或该记录仍在使用中。
error-too_many_attempts = 失败次数过多，请 { $minutes } 分钟后再试。
error-unavailable = 服务暂时不可用，请稍后再试。
error-internal = 发生意外错误，已记录。

## Field validation
validation-email = 请输入有效的邮箱地址。
validation-required = 此项必填。
validation-password_length = 密码长度应为 { $min } 到 { $max } 个字符。
validation-length_min = 至少输入 { $min } 个字符。
validation-code_length = 请使用 { $min } 到 { $max } 个字符。
validation-code_chars = 只能使用字母、数字和短横线。
validation-too_long = 最多 { $max } 个字符。
validation-taken = 已被占用。
validation-unknown_role = 请选择一个角色。
validation-unknown_locale = 请选择中文或英文。
validation-not_for_role = 该角色不应填写此项。
validation-not_found = 所选记录不存在。
validation-not_a_number = 请输入数字。
validation-wrong_password = 当前密码不正确。
validation-passwords_differ = 两次输入的密码不一致。
validation-not_yourself = 不能停用自己，也不能取消自己的管理员角色。
validation-date = 请按 YYYY-MM-DD 格式输入日期。
validation-unknown_job = 请选择一个任务。
validation-credit_code_length = 统一社会信用代码应为 18 位。
validation-credit_code_characters = 统一社会信用代码只能包含数字和大写字母（不含 I、O、Z、S、V）。
validation-credit_code_check_digit = 最后一位校验码不符，请核对代码。

## Sign-in and account
login-title = 登录
login-submit = 登录
field-email = 邮箱
field-password = 密码
field-display-name = 姓名
field-role = 角色
field-active = 启用
field-last-login = 最近登录
field-supplier = 供应商
field-site = 项目部
field-locale = 邮件语言
field-new-password-optional = 新密码（留空则不修改）
field-current-password = 当前密码
field-new-password = 新密码
field-confirm-password = 再次输入新密码
field-code = 编码
field-name = 名称
field-name-zh = 中文名称
field-name-en = 英文名称
field-address = 地址
field-category = 类别
field-spec = 规格型号
field-unit = 单位
field-indicative-price = 参考单价
account-title = 我的账户
account-language = 语言
account-password = 密码
account-change-password = 修改密码

## Flash messages
flash-signed-out = 您已退出登录。
flash-password-changed = 密码已修改。
flash-locale-changed = 语言设置已保存。
flash-user-created = 用户已添加，并已发送欢迎邮件。
flash-user-updated = 用户信息已更新。
flash-site-created = 项目部已添加。
flash-warehouse-created = 仓库已添加。
flash-job-ran = 任务已执行。
flash-job-already-ran = 该期间的任务已执行过，本次未做任何操作。

## Roles
role-supplier = 供应商
role-site_user = 施工单位用户
role-site_manager = 项目部负责人
role-warehouse_keeper = 保管员
role-procurement_officer = 采购员
role-procurement_head = 物资部部长
role-finance = 财务
role-auditor = 审计
role-admin = 系统管理员

## Supplier statuses
supplier-status-draft = 申请草稿
supplier-status-submitted = 已提交申请
supplier-status-info_requested = 待补充资料
supplier-status-recommended = 已推荐准入
supplier-status-admitted = 已准入
supplier-status-suspended = 已暂停
supplier-status-removed = 已清退
supplier-status-rejected = 未通过

## Home pages
home-duties = 您在这里的工作
home-supplier-of = { $name } · { $status }
home-site-of = { $name }
home-card-materials = 物资目录条目
home-card-admitted-suppliers = 已准入供应商
home-card-warehouses = 仓库
home-card-sites = 项目部
home-card-users = 启用的用户
home-card-mail-pending = 待发送邮件
home-card-audit = 审计记录
home-title-supplier = 供应商首页
home-intro-supplier = 代储物资在项目领用之前仍归贵司所有；每月按实际领用结算。
home-duties-supplier =
    在线申请入市，并保持资质文件有效
    管理商品挂牌与代储代销价格
    向仓库送货并跟踪验收结果
    答复无动态库存的退货或换货要求
    参加受邀的招标
    确认或对月度结算单提出异议
home-title-site_user = 施工单位首页
home-intro-site_user = 从代储物资目录中为本项目部领用所需物资。
home-duties-site_user =
    搜索代储物资目录
    为本项目部填写领料单
    跟踪领料单直至发料
home-title-site_manager = 项目部负责人首页
home-intro-site_manager = 审批本项目部的领料单；审批通过即锁定库存。
home-duties-site_manager =
    审批或退回本项目部的领料单
    查看本项目部的月度用料明细表
home-title-warehouse_keeper = 仓库首页
home-intro-warehouse_keeper = 验收送货，凭审批通过的领料单发料，做到帐、卡、物、资金四对口。
home-duties-warehouse_keeper =
    逐行验收送货：名称、规格、型号、数量、合格证
    审批后 24 小时内凭领料单发料
    登记退货、换货和盘点
home-title-procurement_officer = 采购首页
home-intro-procurement_officer = 审核供应商资格，编制采购计划，组织招标和比质比价。
home-duties-procurement_officer =
    组织合格供应商评审
    登记质次价高问题
    编制月度采购计划
    组织招标和货比三家
    维护合同台帐和物资询价台帐
home-title-procurement_head = 物资部部长首页
home-intro-procurement_head = 审批供应商入市、清退、中标和合同。
home-duties-procurement_head =
    审批供应商入市
    确认或驳回质次价高问题；确认第二次即清退供应商
    审批中标结果和采购合同
home-title-finance = 财务首页
home-intro-finance = 按结算日关闭月度结算期间，跟踪开票和付款。
home-duties-finance =
    在结算日关闭结算期间
    标记结算单已开票、已付款
    以调整行处理有异议的结算行
home-title-auditor = 审计首页
home-intro-auditor = 您可以查看全部内容，但不能做任何修改。
home-duties-auditor =
    查询审计日志并校验哈希链
    查看用户、邮件和任务执行记录
home-title-admin = 系统管理首页
home-intro-admin = 管理用户、项目部、仓库和系统设置。
home-duties-admin =
    添加用户并分配角色
    维护项目部和仓库信息
    关注邮件队列和定时任务

## Users
users-title = 用户
users-add = 添加用户
users-edit = 编辑用户

## Organisation
org-title = 项目部与仓库
org-sites = 项目部
org-warehouses = 仓库
org-add-site = 添加项目部
org-add-warehouse = 添加仓库

## Materials
materials-title = 物资目录
materials-search = 名称或规格
materials-search-hint = 如：水泥、Φ12、DN25

## Audit
audit-title = 审计日志
audit-verify = 校验哈希链
audit-verify-ok = 哈希链完整：已校验 { $count } 条记录。
audit-verify-broken = 哈希链在第 { $seq } 条断开：有记录被篡改或删除。
audit-actor = 操作人
audit-action = 操作
audit-entity = 对象
audit-entity-id = 对象编号
audit-at = 时间
audit-change = 变更
audit-show = 查看
audit-before = 变更前
audit-after = 变更后

## Mail queue
outbox-title = 邮件队列
outbox-created = 入队时间
outbox-to = 收件人
outbox-subject = 主题
outbox-status = 状态
outbox-status-sent = 已发送
outbox-status-pending = 待发送
outbox-attempts = 尝试次数

## Jobs
jobs-title = 定时任务
jobs-intro = 任务每个期间自动执行一次；也可以指定日期手动执行。已执行过的期间不会重复执行。
jobs-job = 任务
jobs-as-of = 执行日期
jobs-run = 执行
jobs-period = 期间
jobs-started = 开始时间
jobs-status = 状态
jobs-detail = 结果

## Emails
mail-greeting = { $name }，您好：
mail-sign-in-at = 登录地址：
mail-footer = 物资超市 — 本邮件由系统自动发送，请勿回复。
mail-welcome-subject = 您的物资超市账户已开通
mail-welcome-body = 已为您开通账户，登录邮箱为 { $email }，角色为“{ $role }”。初始密码由系统管理员告知，请登录后及时修改。

## Suppliers: rules refused
error-transition_not_allowed = 供应商当前状态下不能进行此操作。
error-application_not_editable = 只有草稿或待补充资料的申请可以修改。
error-supplier_removed = 该供应商已被清退。
error-supplier_not_admitted = 该供应商未准入或已暂停。
error-business_licence_expired = 该供应商的营业执照已过期，请先更新。
error-email_not_verified = 请先验证邮箱：打开我们发送的邮件中的链接。
error-business_licence_missing = 提交前请添加有效的营业执照。
error-failure_already_decided = 该问题已处理。
error-verification_link_invalid = 链接无效、已使用或已过期。
error-status_changed = 该供应商刚被他人修改，请刷新后重试。

## Suppliers: fields
validation-phone = 请输入手机号码或带区号的座机号码，如 0571-87654321。
validation-bank_account = 请输入 8 到 30 位数字。
validation-not_changeable = 此处不能修改此项。
validation-end_before_start = 结束日期必须晚于开始日期。
validation-in_future = 日期不能晚于今天。
validation-in_past = 日期不能早于今天。
validation-checklist_required = 推荐准入前须核查此项。
validation-failure_source_mismatch = 质量问题来自验收或投诉；价格问题来自询价或招标。
validation-cutoff_day_range = 请选择 1 到 28 日。
validation-stale_months_range = 请选择 1 到 12 个月。
validation-tax_rate_range = 请输入 0 到 0.17 之间的税率。
validation-file_empty = 文件为空。
validation-file_too_large = 文件超过 10 MB。
validation-file_type = 只接受 PDF、JPEG 或 PNG 文件。
validation-file_name_mismatch = 文件名与文件内容不符。

## Supplier emails
mail-verify_email-subject = 请验证您的邮箱
mail-verify_email-body = 请在 7 天内打开以下链接，验证您供应商申请的邮箱：{ $link }
mail-application_submitted-subject = 已收到申请：{ $company }
mail-application_submitted-body = 我们已收到 { $company } 的入市申请，物资部将进行审核并通知您结果。
mail-application_to_review-subject = 新的供应商申请：{ $company }
mail-application_to_review-body = { $company } 已提交入市申请，请在 /suppliers/{ $id } 审核。
mail-application_info_requested-subject = 需要补充资料：{ $company }
mail-application_info_requested-body = 物资部需要您补充以下资料：{ $reasons } 请完善申请后重新提交。
mail-application_rejected-subject = 申请未通过：{ $company }
mail-application_rejected-body = 很遗憾，{ $company } 的入市申请未通过。原因：{ $reasons }
mail-application_recommended-subject = 推荐准入：{ $company }
mail-application_recommended-body = 物资部推荐 { $company } 准入，请在 /suppliers/{ $id } 审批。
mail-application_in_review-subject = 您的申请已提交部长审批
mail-application_in_review-body = { $company } 的资格评审已完成并推荐准入，下一步由物资部部长审批。
mail-application_admitted-subject = 准入通过：{ $company }
mail-application_admitted-body = { $company } 已准入物资超市。代储代销协议编号 { $number }，可在系统中查看。
mail-failure_recorded-subject = { $company } 被登记质次价高问题
mail-failure_recorded-body = 物资部登记了一项质量或价格问题：{ $description } 在处理前，您可以在系统中答复。
mail-failure_confirmed-subject = 问题已确认：{ $company }
mail-failure_confirmed-body = 对 { $company } 登记的问题已确认。已确认问题：{ $count } 次。确认两次即清退。
mail-failure_dismissed-subject = 问题已驳回：{ $company }
mail-failure_dismissed-body = 对 { $company } 登记的问题已驳回。
mail-supplier_removed-subject = 已被清退出物资超市：{ $company }
mail-supplier_removed-body = 因第二次确认质次价高问题，{ $company } 已被清退。商品挂牌和送货已关闭，在库代储物资将退回。公司应付款项仍照常结算。
mail-supplier_removed_office-subject = 供应商已清退：{ $company }
mail-supplier_removed_office-body = { $company } 因第二次确认质次价高问题已被清退，其在库代储物资须退货。
mail-supplier_suspended-subject = 已暂停：{ $company }
mail-supplier_suspended-body = { $company } 暂停至 { $until }。原因：{ $reasons }
mail-supplier_reinstated-subject = 已解除暂停：{ $company }
mail-supplier_reinstated-body = { $company } 的暂停已解除。

## Supplier pages
nav-my-supplier = 我的公司
nav-suppliers = 供应商
login-apply = 新供应商？在线申请入市
apply-title = 供应商入市申请
apply-intro = 请填写公司信息。提交申请时将同时创建账户；验证邮箱、上传营业执照后即可提交审核。
apply-submit = 创建申请
verify-title = 验证邮箱
verify-submit = 确认
mine-title = 我的公司
mine-application = 申请信息
mine-submit = 提交审核
mine-submit-hint = 信息填写完整并上传有效营业执照后即可提交，物资部将进行审核。
suppliers-title = 供应商
suppliers-min-failures = 问题次数不少于
suppliers-expiring-by = 证件到期日不晚于
field-legal-name = 企业名称
field-credit-code = 统一社会信用代码
field-legal-representative = 法定代表人
field-contact-name = 联系人
field-contact-phone = 联系电话
field-categories = 供应物资类别
field-bank-name = 开户银行
field-bank-account = 银行账号
field-status = 状态
field-reasons = 原因
field-confirmed-failures = 已确认问题
field-next-review = 下次年度复审
field-suspended-until = 暂停至
field-document-kind = 证件类型
field-title = 名称
field-issued-on = 发证日期
field-expires-on = 有效期至
field-file = 文件（PDF、JPEG 或 PNG，不超过 10 MB）
field-notes = 备注
field-decision = 结论
documents-title = 资质证件
documents-add = 添加证件
document-business_licence = 营业执照
document-production_licence = 生产许可证
document-product_certificate = 产品合格证
document-quality_system = 质量体系认证
document-valid = 有效
document-expired = 已过期
agreement-title = 代储代销协议
agreement-number = 协议编号
agreement-term = 期限
agreement-starts = 起始日期
agreement-ends = 截止日期
agreement-cutoff = 结算截止日
agreement-stale = 无动态退换期限（月）
agreement-tax = 增值税税率
agreement-signed = 签订日期
review-title = 合格供应商评审
review-item-licence_valid = 营业执照有效
review-item-certificates = 产品合格证明
review-item-quality_system = 质量体系
review-item-capacity = 供货能力
review-item-references = 业绩证明
review-item-site_visit = 实地考察
review-stage-officer = 采购员
review-stage-head = 物资部部长
reviews-title = 评审记录
admission-title = 准入审批
decision-recommend = 推荐准入
decision-request_info = 要求补充资料
decision-reject = 不予通过
decision-admit = 批准准入
failures-title = 质次价高问题
failure-kind = 类型
failure-source = 来源
failure-description = 问题描述
failure-evidence = 证据
failure-response = 供应商答复
failure-respond = 提交答复
failure-record = 登记问题
failure-confirm = 确认
failure-dismiss = 驳回
failure-kind-quality = 质量问题
failure-kind-price = 价格问题
failure-source-receiving_inspection = 验收
failure-source-site_complaint = 项目投诉
failure-source-price_survey = 市场询价
failure-source-tender = 招标
failure-status-open = 待处理
failure-status-confirmed = 已确认
failure-status-dismissed = 已驳回
suspension-title = 暂停供货
suspension-suspend = 暂停
suspension-lift = 解除暂停
flash-application-created = 申请已创建。请查收邮件验证邮箱，然后登录完善申请。
flash-email-verified = 邮箱已验证。
flash-saved = 已保存。

nav-settings = 系统设置
settings-title = 系统设置
settings-cutoff-day = 结算截止日
settings-cutoff-day-help = 每月在该日结账（第 11 条）。新签代储代销协议默认采用该日，已签协议保留各自的截止日。
settings-company-zh = 公司名称（中文）
settings-tender-threshold = 招标限额（元，单一品种）
settings-contract-threshold = 合同限额（元）
settings-price-margin = 价格监控：高于市场询价的幅度（%）
validation-amount_positive = 请输入大于零的金额（元，最多两位小数）。
validation-contract_above_tender = 合同限额不能高于招标限额。
validation-margin_range = 请输入 0 到 100 之间的百分比。
settings-company-en = 公司名称（英文）
# settlement statements
nav-statements = 结算单
statements-title = 代储代销结算单
statements-close = 月末结账
statements-close-help = 结账按截止日为每个供应商生成一张结算单草稿，包含截止日前的全部领用。重复结账不会产生任何变化；尚未结束的期间不能结账。
statements-close-button = 结账
statements-none = 暂无结算单。
statement-title = 结算单
statement-company = 公司
statement-number = 结算单号
statement-period = 结算期间
statement-date = 日期
statement-kind = 类别
statement-kind-issue = 发料
statement-kind-site_return = 退料
statement-kind-adjustment = 调整
statement-site = 领用单位
statement-quantity = 数量
statement-unit-price = 单价
statement-amount = 金额
statement-note = 备注
statement-net = 不含税金额
statement-tax = 增值税
statement-gross = 价税合计
statement-status-draft = 草稿
statement-status-issued = 已发出
statement-status-confirmed = 已确认
statement-status-disputed = 有异议
statement-status-resolved = 已处理异议
statement-status-invoiced = 已开票
statement-status-paid = 已付款
statement-invoice-number = 发票号
statement-invoice-date = 开票日期
statement-paid-on = 付款日期
statement-payment-reference = 付款凭证号
statement-disputed-because = 异议：
statement-resolution = 处理结果：
statement-dispute-reason = 对本行有异议，原因
statement-dispute-help = 如有不符，请在相应行填写原因后点击“提出异议”；财务将以调整行在下期结算单中处理。
statement-adjustment = 调整金额（元，正数补付供应商，负数扣回）
statement-action-issue = 发给供应商
statement-action-confirm = 确认结算单
statement-action-dispute = 对所填行提出异议
statement-action-resolve = 处理异议
statement-action-invoice = 登记发票
statement-action-pay = 登记付款
statement-sign-prepared = 制表
statement-sign-checked = 审核
statement-sign-supplier = 供应商确认
statement-download-xlsx = 下载 Excel
statement-print = 打印
flash-statements-closed = 已结账；新生成的结算单草稿见下表。
flash-statement-issue = 结算单已发出，并已邮件通知供应商。
flash-statement-confirm = 您已确认该结算单。
flash-statement-dispute = 您的异议已发送给财务。
flash-statement-resolve = 异议已处理，调整将计入下期结算单。
flash-statement-invoice = 发票已登记。
flash-statement-pay = 付款已登记。
mail-statement_issued-subject = { $period } 期结算单 { $number }
mail-statement_issued-body = 您 { $period } 期的代储代销结算单 { $number } 已出具，价税合计 { $gross } 元。请在平台上确认；如有不符，请对相应行提出异议。
mail-statement_confirmed-subject = 结算单 { $number } 已确认
mail-statement_confirmed-body = 供应商已确认 { $period } 期结算单 { $number }（{ $gross } 元），可以开票。
mail-statement_disputed-subject = 结算单 { $number } 有异议
mail-statement_disputed-body = 供应商对 { $period } 期结算单 { $number } 的部分行提出异议，请在平台上处理。
mail-statement_resolved-subject = 结算单 { $number } 的异议已处理
mail-statement_resolved-body = 财务已处理您对结算单 { $number }（{ $period } 期）的异议，调整金额将计入下期结算单。
mail-statement_paid-subject = 结算单 { $number } 已付款
mail-statement_paid-body = { $period } 期结算单 { $number }（{ $gross } 元）已付款。
validation-period = 请按 YYYY-MM 填写期间，例如 2027-01。
validation-format = 请选择 csv 或 xlsx。
validation-invalid = 该选项无效。
validation-dispute_needs_a_line = 请至少在一行填写异议原因。
validation-not_on_statement = 有一行不在本结算单中，或被重复填写。
validation-answer_every_disputed_line = 请逐一处理每个有异议的行，且只处理这些行。
validation-cents = 金额最多保留两位小数（分）。
error-out_of_range = 金额或数量过大，无法记录。
error-try_again = 他人正在同时修改相同的记录，本次未保存任何内容，请重试。
error-statement_state = 结算单当前状态不允许此操作。
error-statement_changed = 结算单已被他人修改，请刷新后重试。
flash-application-submitted = 申请已提交审核。
flash-document-added = 证件已添加。
flash-failure-recorded = 问题已登记，并已通知供应商。
flash-supplier-removed = 第二次确认问题：该供应商已被清退。

## Scorecard, re-review and supplier checks
scorecard-title = 供应商评分卡
scorecard-quality = 已确认质量问题
scorecard-price = 已确认价格问题
scorecard-open = 待处理问题
scorecard-until-removal = 距清退还差（次）
scorecard-documents-valid = 有效证件
scorecard-documents-expiring = 30 天内到期证件
scorecard-documents-expired = 已过期证件
scorecard-review-overdue = 年度复审已到期。
suppliers-review-due = 年度复审到期
re-review-title = 年度复审
decision-re_review_passed = 通过：继续合作一年
decision-re_review_failed = 未通过：提交部长处理
review-stage-re_review = 年度复审
mail-document_expiring-subject = 证件即将到期：{ $title }
mail-document_expiring-body = { $company } 的证件“{ $title }”将于 { $date } 到期。请在到期前在系统中上传更新后的证件；营业执照过期将无法挂牌、送货和投标。
mail-document_expiring_office-subject = 供应商证件即将到期：{ $company }
mail-document_expiring_office-body = { $company } 的证件“{ $title }”将于 { $date } 到期。
mail-review_due-subject = 年度复审到期：{ $company }
mail-review_due-body = { $company } 的年度合格供应商复审已于 { $date } 到期，请在 /suppliers/{ $id } 复审。
mail-re_review_failed-subject = 年度复审未通过：{ $company }
mail-re_review_failed-body = { $company } 年度复审未通过：{ $reasons } 请决定是否暂停其供货。

## Stock
error-delivery_not_pending = 该送货单已验收或已拒收。
error-insufficient_stock = 可用库存不足。
error-listing_not_orderable = 该商品目前不能领用（价格尚未审批，或供应商已停止供货）。
error-price_change_decided = 该调价申请已处理。
error-quantity_out_of_range = 数量过大。
error-requisition_not_approved = 只能对已审批的领料单发料。
error-requisition_status_changed = 该领料单刚被他人修改，请刷新后重试。
error-stock_changed = 发料时库存发生变化，请重试。
validation-accepted_plus_rejected = 验收合格数量与拒收数量之和须等于送货数量。
validation-category_not_in_agreement = 该物资的类别不在您的代储代销协议范围内。
validation-checks_failed_reject = 名称、规格、型号、数量、合格证任一项不符的，必须拒收。
validation-every_line = 请逐行验收送货单的每一行。
validation-issue_more_than_reserved = 本行最多可发 { $open }。
validation-lead_time_range = 请输入 0 到 365 天。
validation-max_below_min = 最高库存不能低于最低库存。
validation-out_of_range = 数值过大。
validation-price_positive = 请输入大于零的价格。
validation-quantity = 请输入大于零、最多 { $decimals } 位小数的数量。
mail-stock_stale-subject = 库存无动态：{ $company }
mail-stock_stale-body = { $company } 有 { $count } 批代储物资无动态时间已超过协议约定期限，请在系统中答复退货或换货。

## Supermarket pages
nav-catalogue = 代储物资目录
nav-requisitions = 领料单
nav-my-listings = 我的商品与送货
nav-deliveries = 送货验收
nav-prices = 价格审批
catalogue-title = 代储物资目录
catalogue-sort = 排序
catalogue-sort-name = 按名称
catalogue-sort-price = 价格从低到高
catalogue-sort-price-desc = 价格从高到低
catalogue-in-stock = 只看有货
catalogue-price = 单价
catalogue-available = 可用数量
catalogue-quantity = 数量
requisition-new = 按上面填写的数量新建领料单
requisition-purpose = 用途（使用部位）
requisition-need-by = 需用日期
requisition-submit = 提交领料单
requisitions-title = 领料单
requisitions-none = 暂无领料单。
requisition-issued = 已发
requisition-issue-now = 本次发料
requisition-issue = 发料
requisition-approve = 审批并锁定库存
requisition-cancel = 取消
requisition-overdue = 审批后 24 小时内未发料
requisition-status-submitted = 待审批
requisition-status-approved = 已审批，库存已锁定
requisition-status-partly_issued = 部分发料
requisition-status-issued = 已发料
requisition-status-cancelled = 已取消
my-listings-title = 我的商品与送货
listing-on-hand = 在库
listing-reserved = 已锁定
listing-active = 可领用
listing-inactive = 不可领用（价格待审批或已停止供货）
listing-pending-price = 待审批：
listing-change-price = 调整价格
listing-effective-on = 生效日期
listing-new = 挂牌物资
listing-min = 最低库存
listing-max = 最高库存
listing-lead-time = 供货周期（天）
delivery-new = 送货
delivery-note-number = 送货单号
delivery-arrival = 到货方式
delivery-date = 送货日期
delivery-line = 明细
delivery-batch = 批号
delivery-send = 提交送货单
delivery-lines = 明细
delivery-accepted = 合格
delivery-rejected = 拒收
delivery-inspect-by = 验收期限
delivery-overdue = 已超期
delivery-record-inspection = 登记验收结果
delivery-status-pending = 待验收
delivery-status-inspected = 已验收
delivery-status-refused = 已拒收（供应商已清退）
deliveries-title = 送货验收
arrival-local = 本地送货（当日验收）
arrival-part_load = 外地零担（3 日内验收）
arrival-full_truck = 整车（7 日内验收）
check-name = 名称相符
check-specification = 规格相符
check-model = 型号相符
check-quantity = 数量相符
check-certificate = 合格证齐全
prices-title = 价格审批
prices-old = 现价
prices-new = 申请价格
prices-approve = 批准
prices-reject = 驳回
prices-none = 暂无待审批的调价。
flash-requisition-submitted = 领料单已提交审批。
flash-requisition-approved = 领料单已审批，库存已锁定。
flash-requisition-issued = 已发料。
flash-requisition-cancelled = 领料单已取消，锁定的库存已释放。
flash-listing-created = 商品已挂牌；价格经物资部审批后即可领用。
flash-price-requested = 新价格已提交审批。
flash-delivery-sent = 送货单已提交仓库。
flash-delivery-inspected = 验收结果已登记，合格物资已入库。

## No-movement list
nav-no-movement = 无动态库存
nomove-title = 无动态库存清单
nomove-value = 金额
nomove-received = 入库日期
nomove-last-movement = 最后动态
nomove-days = 无动态天数
nomove-none = 没有超过期限的库存。
nomove-reason-supplier_removed = 供应商已清退：须退货
nomove-reason-return_requested = 供应商将退货
nomove-reason-exchange_requested = 供应商将换货
nomove-reason-awaiting_supplier = 已标记，等待供应商答复
nomove-reason-not_yet_flagged = 已超期，下次每日检查时标记
common-download-csv = 下载 CSV
delivery-record-failure = 登记质量问题
error-nothing_rejected = 本行没有拒收。


## 无动态库存退换货（第 3 条）与盘点（第 12 条）
error-lot_not_flagged = 该批次未被标记为需退货或换货（或已无库存）。
error-lot_removal_return = 该批次属于已清退的供应商，须一律退货，无需答复。
error-lot_not_answered = 供应商尚未答复该批次退货还是换货。
error-lot_answer_mismatch = 供应商对该批次答复的是另一种处理方式（退货或换货）。
error-return_takes_reserved = 该库存有部分已被已审批的领料单占用，请先发料或取消领料单。
error-stock_count_pending = 该物资已有一笔盘点等待审批。
error-stock_count_decided = 该盘点已处理。
error-count_loss_takes_reserved = 盘亏将动用已被已审批领料单占用的库存，请先发料或取消领料单。
validation-count_quantity = 请输入实盘数量（零或以上），最多 { $decimals } 位小数。
validation-count_reason_required = 请填写与账面数量不符的原因。
mail-lot_return_requested-subject = 申请退货：{ $company }，批次 { $lot }
mail-lot_return_requested-body = { $company } 将退回长期无动态的批次 { $lot }（{ $material }，{ $quantity } { $unit }）。货物出库时请在系统中登记退货。
mail-lot_exchange_requested-subject = 申请换货：{ $company }，批次 { $lot }
mail-lot_exchange_requested-body = { $company } 将调换长期无动态的批次 { $lot }（{ $material }，{ $quantity } { $unit }）。新货到库时请在系统中登记换货。
mail-lot_returned-subject = 已登记退货：批次 { $lot }
mail-lot_returned-body = 批次 { $lot }（{ $material }，{ $quantity } { $unit }）已登记退回 { $company }，已从代储库存中减除，不产生结算金额。
mail-lot_exchanged-subject = 已登记换货：批次 { $lot }
mail-lot_exchanged-body = 批次 { $lot }（{ $material }）已登记换货：{ $quantity } { $unit } 退回 { $company }，新货 { $fresh } { $unit } 今日入库代储。
mail-stock_count_pending-subject = 盘点与账面不符：{ $material }
mail-stock_count_pending-body = 第 { $id } 号盘点：{ $material }（{ $company }）实盘 { $counted } { $unit }，账面 { $book } { $unit }（差异 { $difference }）。原因：{ $reason } 请审批或驳回。

## Materials master maintenance
materials-add = 新增物资
materials-propose = 申请新增物资目录中没有的物资
proposals-title = 新增物资申请
proposal-status-pending = 等待物资部审核
proposal-status-approved = 已批准并加入目录
proposal-status-rejected = 已驳回
validation-material_exists = 目录中已有该物资（名称与规格相同）。
error-proposal_decided = 该申请已处理。
flash-material-created = 物资已加入目录。
flash-material-proposed = 申请已提交物资部。

## 无动态库存与盘点页面
nav-my-lots = 我的代储库存
nav-lots = 在库批次
nav-stock-counts = 盘点
my-lots-title = 我的代储库存
my-lots-intro = 您存放在公司仓库的货物（按批次）。超过协议约定期限无动态的批次会被标记：请答复退货还是换新货。
my-lots-flagged = 需要您答复或须退货的批次：{ $count } 个
lots-title = 在库代储批次
lots-flagged-only = 只看须退货或换货的批次
lots-none = 没有在库批次。
lot-id = 批次
lot-in-order = 正常
lot-flag-stale = 长期无动态：须退货或换货
lot-flag-removal = 供应商已清退：须退货
lot-flagged-on = 标记于
lot-answer = 供应商答复
lot-answer-return = 退货
lot-answer-exchange = 换货
lot-answer-change = 仓库登记前可以更改
lot-awaiting-answer = 等待供应商答复
lot-answer-return-button = 退货
lot-answer-exchange-button = 换货
lot-removal-no-answer = 须退货，无需答复
lot-no-answer-needed = 无需处理
lot-actions = 仓库操作
lot-record-return = 登记退货（{ $quantity }）
lot-record-exchange = 登记换货
lot-fresh-quantity = 新货数量
flash-lot-answered-return = 已提交答复：该批次退货。已通知仓库。
flash-lot-answered-exchange = 已提交答复：该批次换货。已通知仓库。
flash-lot-returned = 已登记退货，该批次已从代储库存中减除。
flash-lot-exchanged = 已登记换货，新货已作为新批次入库。
counts-title = 盘点
counts-new = 录入盘点
counts-nothing-to-count = 没有可盘点的有库存物资，或均有盘点等待审批。
counts-none = 还没有盘点记录。
count-item = 物资
count-counted = 实盘数量
count-book = 账面数量
count-difference = 差异
count-reason = 差异原因
count-counted-by = 盘点人
count-note = 审批意见（可选）
count-submit = 提交盘点
count-approve = 批准
count-reject = 驳回
count-status-pending = 等待采购审批
count-status-approved = 已批准
count-status-rejected = 已驳回
flash-count-confirmed = 盘点与账面一致，已确认。
flash-count-pending = 盘点与账面不符，已提交采购审批。
flash-count-approved = 盘点已批准，差异已记入账面。
flash-count-rejected = 盘点已驳回，账面未变。
mail-no_movement_report-subject = { $month } 无动态库存清单：{ $warehouse }
mail-no_movement_report-body = { $warehouse } 有 { $count } 批代储物资超过期限无动态，金额 ¥{ $value }。各行原因见清单：/stock/no-movement?warehouse_id={ $id }


## Listings imported from a file
import-title = 从文件批量挂牌
import-intro = 上传 CSV（UTF-8）或 XLSX 文件：每行一个挂牌商品，首行为中文或英文表头。系统先检查每一行：只要有一行有问题，就一条也不导入，并按行、列列出每个问题。导入的商品在物资部审批价格后即可领用。
import-link = 从 CSV 或 XLSX 批量导入
import-file = 文件（CSV 或 XLSX，不超过 5 MB、5000 行）
import-dry-run = 只检查文件，不导入
import-submit = 导入
import-uploading = 正在上传…
import-checking = 正在检查各行…
import-checked = 全部 { $count } 行均正确。尚未导入：取消勾选“只检查”后再次上传即可导入。
import-errors-title = 发现问题：未导入任何数据
import-more-errors = ……另有 { $count } 个问题。
import-row = 行
import-column = 列
import-problem = 问题
import-columns = 列说明
import-header-zh = 中文表头
import-header-en = 英文表头
import-note = 说明
import-col-material_code = 物料编码
import-col-material_name = 物料名称
import-col-spec = 规格型号
import-col-warehouse_code = 仓库编码
import-col-price = 单价
import-col-min_stock = 最低库存
import-col-max_stock = 最高库存
import-col-lead_time_days = 供货周期（天）
import-note-material_code = 物资主数据中的编码，如 M0001。留空时按名称和规格型号匹配。
import-note-material_name = 无物料编码时使用：中文或英文名称。
import-note-spec = 与物料名称一起使用：与物资主数据完全一致的规格型号。
import-note-warehouse_code = 必填，如 WH-01。
import-note-price = 必填：代储代销单价（元），大于零。
import-note-min_stock = 选填（留空为 0）；小数位不超过该物资计量单位的位数。
import-note-max_stock = 必填；不低于最低库存；小数位不超过该物资计量单位的位数。
import-note-lead_time_days = 必填：0 到 365 天。
flash-listings-imported = 已批量挂牌；价格经物资部审批后即可领用。
validation-import_file_too_large = 文件超过 5 MB。
validation-import_file_type = 只接受 CSV 或 XLSX 文件（旧版 .xls 文件请另存为 .xlsx）。
validation-import_file_encoding = 该 CSV 文件不是 UTF-8 编码：请另存为“CSV UTF-8”或 XLSX。
validation-import_file_unreadable = 无法按 CSV 或 XLSX 读取该文件。
validation-import_too_many_rows = 文件超过 { $max } 行，请拆分后上传。
validation-import_no_rows = 文件中没有可导入的行。
validation-import_column_missing = 表头中缺少此列。
validation-import_column_twice = 表头中此列出现了两次。
validation-import_material_ambiguous = 有多个物资同名同规格，请填写物料编码。
validation-import_listed_already = 您已在该仓库挂牌此物资。
validation-import_duplicate_row = 该物资和仓库已在第 { $first } 行出现。
validation-import_whole_days = 请输入整数天数。

categories-add = 新增类别
categories-parent = 上级类别
flash-category-created = 类别已添加。

delivery-certificate = 产品合格证
delivery-no-certificate = 此行未随附合格证。

# site returns
site-return-title = 退料
site-return-quantity = 退料数量
site-return-reason = 退料原因
site-return-button = 退料
site-return-returned = 已退
site-return-back = 返回领料单
site-return-flash-recorded = 退料已登记，物资已退回库存。
validation-site_return_more_than_issued = 此行最多可退 { $open }（已发数量减已退数量）。
error-site_return_nothing_issued = 此领料单行尚未发料，无法退料。

# settlement reports
report-nav-usage = 单位用料明细表
report-nav-stock = 收发存报表
report-usage-title = 单位用料明细表
report-stock-title = 物资收发存报表
report-company = 单位
report-site = 领用单位
report-warehouse = 仓库
report-period = 结算期间
report-period-dates = 起止日期
report-choose = — 请选择 —
report-choose-site = 请选择领用单位和结算期间。
report-choose-warehouse = 请选择仓库和结算期间。
report-show = 查询
report-download-csv = 下载 CSV
report-download-xlsx = 下载 Excel
report-print = 打印
report-date = 日期
report-requisition = 领料单号
report-material = 物资名称
report-spec = 规格型号
report-unit = 单位
report-supplier = 供应商
report-quantity = 数量
report-unit-price = 单价
report-amount = 金额（元）
report-subtotal = 小计
report-total = 合计
report-usage-none = 本期该单位未领用物资。
report-consigned = 代储物资（供应商所有）
report-consigned-note = 批次中的物资仍属供应商所有。金额按各笔收发记录计：收入按入库单价，发出按发料单价。
report-consigned-total = 代储合计
report-opening = 期初结存
report-receipts = 本期收入
report-issues = 本期发出
report-other-outs = 其他发出
report-closing = 期末结存
report-stock-none = 本期无结存，也无收发。
report-issued-to-sites = 发至施工单位（公司自有）
report-issued-note = 物资发料时所有权即转归公司，超市本身不存放公司自有物资，故公司自有部分即各单位本期领用（扣除退料）。
report-issued-total = 发至施工单位合计
report-issued-none = 本期未向施工单位发料。
report-sign-prepared = 制表人：
report-sign-reviewed = 审核人：
report-sign-site = 领用单位签字：
report-sign-keeper = 保管员：
validation-report_period = 请按 YYYY-MM 格式填写结算期间，例如 2027-01。

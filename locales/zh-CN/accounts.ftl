# accounts: messages of this area (see src/i18n.rs)

## 通知的邮件偏好（账户页）
pref-title = 邮件通知
pref-intro = 所有通知都会进入您在门户中的通知箱。请选择哪些通知同时发送邮件；确认邮箱和重设密码的邮件总会发送。
pref-legend = 同时发送邮件
pref-topic-suppliers = 供应商：申请、审核、不合格记录、资质文件
pref-topic-stock = 库存：送货、批次、退换货、盘点
pref-topic-requisitions = 领料单
pref-topic-settlement = 对账单与付款
pref-topic-procurement = 采购计划、询价与合同
pref-topic-tenders = 招标
pref-topic-prices = 价格与市场调查
pref-topic-other = 其他
pref-flash-saved = 您的邮件选择已保存。

## 忘记密码
reset-forgot-link = 忘记密码？
reset-request-title = 忘记密码
reset-request-intro = 请输入您登录用的邮箱地址，我们会发送一个设置新密码的链接。
reset-request-submit = 发送链接
reset-request-sent = 如果该地址有账户，我们已向它发送设置新密码的链接。链接只能使用一次，30 分钟内有效。
reset-request-again = 重新获取链接
reset-back-to-login = 返回登录
reset-new-title = 设置新密码
reset-new-submit = 设置密码
reset-flash-done = 新密码已设置，请用它登录。
mail-password_reset-subject = 设置新密码
mail-password_reset-body = 有人（希望是您本人）申请为您的账户设置新密码。请在 { $minutes } 分钟内打开此链接设置：{ $link } 如果不是您本人操作，请忽略本邮件，您的密码不会改变。

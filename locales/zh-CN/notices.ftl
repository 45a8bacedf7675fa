# notices: messages of this area (see src/i18n.rs)

## 站内通知（src/notices/）
notice-inbox = 通知
notice-title = 通知
notice-unread-count = 未读：{ $count }
notice-mark-all-read = 全部标为已读
notice-preferences-link = 选择哪些通知同时发送邮件
notice-empty = 暂无通知。
notice-new = 新
notice-newer = 较新
notice-older = 较早
notice-back = 全部通知
notice-flash-all-read = 所有通知已标为已读。
# 关于某一事项的邮件最后一行，后接其地址。
notice-mail-open = 在门户中打开：

## 随站内通知新增的邮件
mail-price_approved-subject = 价格已批准：{ $material }
mail-price_approved-body = 采购部已批准您的 { $material } 价格：¥{ $new_price }（原 ¥{ $old_price }），自 { $effective_on } 起执行。
mail-price_refused-subject = 价格未获批准：{ $material }
mail-price_refused-body = 采购部未批准您为 { $material } 报的价格 ¥{ $new_price }；该商品仍按 ¥{ $old_price } 供应。
mail-delivery_inspected-subject = 送货单 { $note } 已验收
mail-delivery_inspected-body = 仓库已验收您 { $date } 的送货单 { $note }：{ $lines } 行中 { $accepted_lines } 行全部合格{ $outcome ->
    [all] 。
   *[some] ；{ $rejected } 行部分或全部拒收，原因请在门户中查看。
}

# notices: messages of this area (see src/i18n.rs)

## The inbox (src/notices/)
notice-inbox = Notices
notice-title = Notices
notice-unread-count = Unread: { $count }
notice-mark-all-read = Mark all as read
notice-preferences-link = Choose which notices also come by email
notice-empty = No notices yet.
notice-new = new
notice-newer = Newer
notice-older = Older
notice-back = All notices
notice-flash-all-read = All notices are marked as read.
# The last line of an email about one item, before its address.
notice-mail-open = Open it in the portal:

## Mail of notices new with the inbox
mail-price_approved-subject = Price approved: { $material }
mail-price_approved-body = The procurement office approved your price for { $material }: ¥{ $new_price } (was ¥{ $old_price }), effective { $effective_on }.
mail-price_refused-subject = Price not approved: { $material }
mail-price_refused-body = The procurement office did not approve your price of ¥{ $new_price } for { $material }; the listing keeps ¥{ $old_price }.
mail-delivery_inspected-subject = Delivery { $note } inspected
mail-delivery_inspected-body = The warehouse inspected your delivery note { $note } of { $date }: { $accepted_lines } of { $lines } lines accepted in full{ $outcome ->
    [all] .
   *[some] ; { $rejected } lines were partly or wholly rejected. The reasons are in the portal.
}

app-name = Materials Supermarket

## Navigation
nav-menu = Menu
nav-home = Home
nav-materials = Materials
nav-organisation = Sites & warehouses
nav-users = Users
nav-audit = Audit log
nav-outbox = Mail queue
nav-jobs = Scheduled jobs
nav-account = My account
nav-logout = Sign out

## Common words
common-yes = Yes
common-no = No
common-save = Save
common-add = Add
common-none = — none —
common-all = All
common-search = Search
common-from = From
common-to = To
common-total-more = more than { $count }
common-total = { $count } in total
common-prev = ‹ Previous
common-next = Next ›

## Error pages and error codes
error-back-home = Back to the home page
error-page-403 = Not allowed
error-page-404 = Page not found
error-page-500 = Something went wrong
error-page-other = The request could not be completed
error-validation_failed = Some fields need attention.
error-bad_request = The request could not be read.
error-unauthenticated = Please sign in.
error-token_invalid = Your sign-in is not valid. Please sign in again.
error-token_expired = Your sign-in has expired. Please sign in again.
error-bad_credentials = Wrong email or password.
error-forbidden = Your role does not allow this.
error-csrf_failed = The form has expired. Please reload the page and try again.
error-not_found = Nothing was found here.
error-duplicate = This record already exists.
error-reference_missing_or_in_use = A record this refers to is missing, or this record is still in use.
error-too_many_attempts = Too many failed attempts. Try again in { $minutes } minutes.
error-unavailable = The service is briefly unavailable. Please try again shortly.
error-internal = An unexpected error occurred; it has been logged.

## Field validation
validation-email = Enter a valid email address.
validation-required = This field is required.
validation-password_length = The password must have { $min } to { $max } characters.
validation-length_min = Enter at least { $min } characters.
validation-code_length = Use { $min } to { $max } characters.
validation-code_chars = Use only letters, digits and dashes.
validation-too_long = Use at most { $max } characters.
validation-taken = This is already in use.
validation-unknown_role = Choose one of the roles.
validation-unknown_locale = Choose Chinese or English.
validation-not_for_role = Leave this empty for this role.
validation-not_found = The chosen record does not exist.
validation-not_a_number = Enter a number.
validation-wrong_password = The current password is wrong.
validation-passwords_differ = The two passwords differ.
validation-not_yourself = You cannot deactivate yourself or give up your own admin role.
validation-date = Enter a date as YYYY-MM-DD.
validation-unknown_job = Choose one of the jobs.
validation-credit_code_length = A unified social credit code has 18 characters.
validation-credit_code_characters = A unified social credit code uses digits and capital letters except I, O, Z, S, V.
validation-credit_code_check_digit = The last character (check digit) does not match; check the code.

## Sign-in and account
login-title = Sign in
login-submit = Sign in
field-email = Email
field-password = Password
field-display-name = Name
field-role = Role
field-active = Active
field-last-login = Last sign-in
field-supplier = Supplier
field-site = Site
field-locale = Language of emails
field-new-password-optional = New password (leave empty to keep)
field-current-password = Current password
field-new-password = New password
field-confirm-password = Repeat the new password
field-code = Code
field-name = Name
field-name-zh = Name (Chinese)
field-name-en = Name (English)
field-address = Address
field-category = Category
field-spec = Specification
field-unit = Unit
field-indicative-price = Indicative price
account-title = My account
account-language = Language
account-password = Password
account-change-password = Change password

## Flash messages
flash-signed-out = You have signed out.
flash-password-changed = Your password has been changed.
flash-locale-changed = Your language has been saved.
flash-user-created = The user was added and has been sent a welcome email.
flash-user-updated = The user was updated.
flash-site-created = The site was added.
flash-warehouse-created = The warehouse was added.
flash-job-ran = The job ran.
flash-job-already-ran = The job had already run for that period; nothing was done.

## Roles
role-supplier = Supplier
role-site_user = Site user
role-site_manager = Site manager
role-warehouse_keeper = Warehouse keeper
role-procurement_officer = Procurement officer
role-procurement_head = Head of procurement
role-finance = Finance
role-auditor = Auditor
role-admin = Administrator

## Supplier statuses
supplier-status-draft = Draft application
supplier-status-submitted = Application submitted
supplier-status-info_requested = More information requested
supplier-status-recommended = Recommended for admission
supplier-status-admitted = Admitted
supplier-status-suspended = Suspended
supplier-status-removed = Removed
supplier-status-rejected = Rejected

## Home pages
home-duties = What you do here
home-supplier-of = { $name } · { $status }
home-site-of = { $name }
home-card-materials = materials in the master
home-card-admitted-suppliers = admitted suppliers
home-card-warehouses = warehouses
home-card-sites = construction sites
home-card-users = active users
home-card-mail-pending = emails waiting to be sent
home-card-audit = audit entries
home-title-supplier = Supplier home
home-intro-supplier = Your consigned goods stay yours until a site draws them; each month you are settled for what was drawn.
home-duties-supplier =
    Apply online and keep your qualification documents current
    Manage your listings and consignment prices
    Send deliveries to the warehouse and follow their inspection
    Answer return and exchange requests for stock without movement
    Bid on tenders you are invited to
    Confirm or dispute your monthly statement
home-title-site_user = Site home
home-intro-site_user = Order what your site needs from the consigned catalogue.
home-duties-site_user =
    Search the consigned catalogue
    Raise requisitions for your site
    Follow your requisitions until the goods are issued
home-title-site_manager = Site manager home
home-intro-site_manager = Approve your site's requisitions; approval reserves the stock.
home-duties-site_manager =
    Approve or return your site's requisitions
    Read your site's monthly usage statement
home-title-warehouse_keeper = Warehouse home
home-intro-warehouse_keeper = Receive and inspect deliveries, issue against approved requisitions, keep the books and the shelves in agreement.
home-duties-warehouse_keeper =
    Inspect deliveries line by line: name, specification, model, quantity, certificate
    Issue goods against approved requisitions within 24 hours
    Record returns, exchanges and stock counts
home-title-procurement_officer = Procurement home
home-intro-procurement_officer = Vet suppliers, plan purchases and run tenders and quote comparisons.
home-duties-procurement_officer =
    Run qualification reviews of suppliers
    Record quality and price failures
    Draw up the monthly procurement plan
    Run tenders and three-quote comparisons
    Keep the contract and price ledgers
home-title-procurement_head = Head of procurement home
home-intro-procurement_head = Approve admissions, removals, awards and contracts.
home-duties-procurement_head =
    Approve supplier admissions
    Confirm or dismiss failures; the second confirmed failure removes a supplier
    Approve tender awards and contracts
home-title-finance = Finance home
home-intro-finance = Close the monthly settlement periods and follow invoices and payments.
home-duties-finance =
    Close settlement periods on the cut-off day
    Mark statements invoiced and paid
    Resolve disputed statement lines with adjustments
home-title-auditor = Audit home
home-intro-auditor = You can read everything and change nothing.
home-duties-auditor =
    Search the audit log and verify its hash chain
    Read users, mail and job runs
home-title-admin = Administration home
home-intro-admin = Manage users, sites, warehouses and the portal's settings.
home-duties-admin =
    Add users and assign their roles
    Keep sites and warehouses current
    Watch the mail queue and scheduled jobs

## Users
users-title = Users
users-add = Add a user
users-edit = Edit user

## Organisation
org-title = Sites and warehouses
org-sites = Construction sites
org-warehouses = Warehouses
org-add-site = Add a site
org-add-warehouse = Add a warehouse

## Materials
materials-title = Materials master
materials-search = Name or specification
materials-search-hint = e.g. 水泥, Φ12, DN25

## Audit
audit-title = Audit log
audit-verify = Verify the chain
audit-verify-ok = The chain is intact: { $count } entries checked.
audit-verify-broken = The chain is broken at entry { $seq }: an entry was altered or removed.
audit-actor = Who
audit-action = Action
audit-entity = Record
audit-entity-id = Record id
audit-at = When
audit-change = Change
audit-show = Show
audit-before = Before
audit-after = After

## Mail queue
outbox-title = Mail queue
outbox-created = Queued
outbox-to = To
outbox-subject = Subject
outbox-status = Status
outbox-status-sent = Sent
outbox-status-pending = Waiting
outbox-attempts = Attempts

## Jobs
jobs-title = Scheduled jobs
jobs-intro = Jobs run on their own once per period; each can also be run for a given date. A period that already ran is not run again.
jobs-job = Job
jobs-as-of = As of
jobs-run = Run
jobs-period = Period
jobs-started = Started
jobs-status = Status
jobs-detail = Result

## Emails
mail-greeting = Dear { $name },
mail-sign-in-at = Sign in at
mail-footer = Materials Supermarket — this email was sent automatically; please do not reply.
mail-welcome-subject = Your account at the Materials Supermarket
mail-welcome-body = An account has been opened for you with the email { $email } and the role "{ $role }". Your administrator will tell you your first password; please change it after signing in.

## Suppliers: rules refused
error-transition_not_allowed = This step is not possible in the supplier's current status.
error-application_not_editable = The application can only be changed while it is a draft or more information was asked for.
error-supplier_removed = The supplier has been removed.
error-supplier_not_admitted = The supplier is not admitted (or is suspended).
error-business_licence_expired = The supplier's business licence has expired; renew it first.
error-email_not_verified = Verify your email address first: follow the link in the email we sent.
error-business_licence_missing = Add a valid business licence before submitting.
error-failure_already_decided = This failure has already been decided.
error-verification_link_invalid = This link is invalid, used or expired.
error-status_changed = Someone else changed this supplier just now; reload and try again.

## Suppliers: fields
validation-phone = Enter a mobile number or a landline with its area code, e.g. 0571-87654321.
validation-bank_account = Enter 8 to 30 digits.
validation-not_changeable = This cannot be changed here.
validation-end_before_start = The end must come after the start.
validation-in_future = This date cannot be in the future.
validation-in_past = This date cannot be in the past.
validation-checklist_required = Check this before recommending admission.
validation-failure_source_mismatch = Quality failures come from inspection or complaints; price failures from surveys or tenders.
validation-cutoff_day_range = Choose a day from 1 to 28.
validation-stale_months_range = Choose 1 to 12 months.
validation-tax_rate_range = Enter a rate from 0 to 0.17.
validation-file_empty = The file is empty.
validation-file_too_large = The file is larger than 10 MB.
validation-file_type = Only PDF, JPEG or PNG files are accepted.
validation-file_name_mismatch = The file's name does not match its content.

## Supplier emails
mail-verify_email-subject = Confirm your email address
mail-verify_email-body = Please confirm your email address for your supplier application by opening this link within 7 days: { $link }
mail-application_submitted-subject = Application received: { $company }
mail-application_submitted-body = We have received the application of { $company }. The procurement office will review it and write to you.
mail-application_to_review-subject = New supplier application: { $company }
mail-application_to_review-body = { $company } has submitted its application. Review it at /suppliers/{ $id }.
mail-application_info_requested-subject = More information needed: { $company }
mail-application_info_requested-body = The procurement office needs more information before it can continue: { $reasons } Please complete your application and submit it again.
mail-application_rejected-subject = Application not approved: { $company }
mail-application_rejected-body = We are sorry: the application of { $company } was not approved. Reasons: { $reasons }
mail-application_recommended-subject = Admission recommended: { $company }
mail-application_recommended-body = The procurement office recommends admitting { $company }. Please decide at /suppliers/{ $id }.
mail-application_in_review-subject = Your application is with the head of procurement
mail-application_in_review-body = The review of { $company } is complete and admission has been recommended; the head of procurement decides next.
mail-application_admitted-subject = Admitted: { $company }
mail-application_admitted-body = { $company } is admitted to the materials supermarket. Your consignment agreement is number { $number }; you can read it in the portal.
mail-failure_recorded-subject = A failure was recorded against { $company }
mail-failure_recorded-body = The procurement office recorded a quality or price failure: { $description } You may answer it in the portal before it is decided.
mail-failure_confirmed-subject = Failure confirmed: { $company }
mail-failure_confirmed-body = The failure recorded against { $company } has been confirmed. Confirmed failures: { $count }. A second confirmed failure removes a supplier.
mail-failure_dismissed-subject = Failure dismissed: { $company }
mail-failure_dismissed-body = The failure recorded against { $company } has been dismissed.
mail-supplier_removed-subject = Removed from the materials supermarket: { $company }
mail-supplier_removed-body = After a second confirmed quality or price failure, { $company } has been removed. Listings and deliveries are closed and consigned stock on hand will be returned. What the company owes you is still settled.
mail-supplier_removed_office-subject = Supplier removed: { $company }
mail-supplier_removed_office-body = { $company } was removed after its second confirmed failure. Its consigned stock on hand is to be returned.
mail-supplier_suspended-subject = Suspended: { $company }
mail-supplier_suspended-body = { $company } is suspended until { $until }. Reason: { $reasons }
mail-supplier_reinstated-subject = Suspension lifted: { $company }
mail-supplier_reinstated-body = The suspension of { $company } has been lifted.

## Supplier pages
nav-my-supplier = My company
nav-suppliers = Suppliers
login-apply = New supplier? Apply online
apply-title = Apply as a supplier
apply-intro = Tell us about your company. An account is created with your application; confirm your email, add your business licence and submit.
apply-submit = Create my application
verify-title = Confirm your email address
verify-submit = Confirm
mine-title = My company
mine-application = Application details
mine-submit = Submit for review
mine-submit-hint = Submit once your details and a valid business licence are in place; the procurement office will review them.
suppliers-title = Suppliers
suppliers-min-failures = At least … failures
suppliers-expiring-by = A document expiring by
field-legal-name = Legal name
field-credit-code = Unified social credit code
field-legal-representative = Legal representative
field-contact-name = Contact person
field-contact-phone = Phone
field-categories = Material categories supplied
field-bank-name = Bank
field-bank-account = Bank account
field-status = Status
field-reasons = Reasons
field-confirmed-failures = Confirmed failures
field-next-review = Next yearly review
field-suspended-until = Suspended until
field-document-kind = Document
field-title = Title
field-issued-on = Issued on
field-expires-on = Expires on
field-file = File (PDF, JPEG or PNG, at most 10 MB)
field-notes = Notes
field-decision = Decision
documents-title = Qualification documents
documents-add = Add a document
document-business_licence = Business licence
document-production_licence = Production licence
document-product_certificate = Product certificate
document-quality_system = Quality system certificate
document-valid = Valid
document-expired = Expired
agreement-title = Consignment agreement
agreement-number = Number
agreement-term = Term
agreement-starts = Starts on
agreement-ends = Ends on
agreement-cutoff = Settlement cut-off day
agreement-stale = Months without movement before return
agreement-tax = VAT rate
agreement-signed = Signed on
review-title = Qualification review
review-item-licence_valid = Business licence valid
review-item-certificates = Product certificates
review-item-quality_system = Quality system
review-item-capacity = Capacity
review-item-references = References
review-item-site_visit = Site visit
review-stage-officer = Procurement officer
review-stage-head = Head of procurement
reviews-title = Review history
admission-title = Admission decision
decision-recommend = Recommend admission
decision-request_info = Ask for more information
decision-reject = Reject
decision-admit = Admit
failures-title = Quality and price failures
failure-kind = Kind
failure-source = Source
failure-description = What happened
failure-evidence = Evidence
failure-response = The supplier's answer
failure-respond = Send the answer
failure-record = Record a failure
failure-confirm = Confirm
failure-dismiss = Dismiss
failure-kind-quality = Quality
failure-kind-price = Price
failure-source-receiving_inspection = Receiving inspection
failure-source-site_complaint = Site complaint
failure-source-price_survey = Price survey
failure-source-tender = Tender
failure-status-open = Open
failure-status-confirmed = Confirmed
failure-status-dismissed = Dismissed
suspension-title = Suspension
suspension-suspend = Suspend
suspension-lift = Lift the suspension
flash-application-created = Your application was created. Check your email to confirm your address, then sign in to complete it.
flash-email-verified = Your email address is confirmed.
flash-saved = Saved.

nav-settings = Settings
settings-title = Settings
settings-cutoff-day = Settlement cut-off day
settings-cutoff-day-help = The books close on this day each month (rule 11). New consignment agreements start with it; each agreement keeps its own.
settings-company-zh = Company name (Chinese)
settings-tender-threshold = Tender threshold (yuan, one item)
settings-contract-threshold = Contract threshold (yuan)
settings-price-margin = Price watch margin above the market survey (%)
validation-amount_positive = Enter an amount above zero, in yuan with at most two decimals.
validation-contract_above_tender = The contract threshold cannot be above the tender threshold.
validation-margin_range = Enter a percentage between 0 and 100.
settings-company-en = Company name (English)
# settlement statements
nav-statements = Statements
statements-title = Settlement statements
statements-close = Close a period
statements-close-help = Closing makes one draft statement per supplier for everything drawn up to the period's cut-off day. Closing again changes nothing; periods that have not ended yet cannot be closed.
statements-close-button = Close the period
statements-none = No statements.
statement-title = Statement
statement-company = Company
statement-number = Statement no.
statement-period = Period
statement-date = Date
statement-kind = Kind
statement-kind-issue = Issue
statement-kind-site_return = Site return
statement-kind-adjustment = Adjustment
statement-site = Site
statement-quantity = Quantity
statement-unit-price = Unit price
statement-amount = Amount
statement-note = Note
statement-net = Net of tax
statement-tax = VAT
statement-gross = Total incl. tax
statement-status-draft = Draft
statement-status-issued = Issued
statement-status-confirmed = Confirmed
statement-status-disputed = Disputed
statement-status-resolved = Resolved
statement-status-invoiced = Invoiced
statement-status-paid = Paid
statement-invoice-number = Invoice no.
statement-invoice-date = Invoice date
statement-paid-on = Paid on
statement-payment-reference = Payment reference
statement-disputed-because = Disputed:
statement-resolution = Resolution:
statement-dispute-reason = Dispute this line because
statement-dispute-help = If a line is wrong, write the reason beside it and press "Dispute"; finance answers with an adjustment on your next statement.
statement-adjustment = Adjustment (yuan, + owed to the supplier, − charged back)
statement-action-issue = Issue to the supplier
statement-action-confirm = Confirm the statement
statement-action-dispute = Dispute the marked lines
statement-action-resolve = Resolve the dispute
statement-action-invoice = Record the invoice
statement-action-pay = Record the payment
statement-sign-prepared = Prepared by
statement-sign-checked = Checked by
statement-sign-supplier = Supplier's confirmation
statement-download-xlsx = Download Excel
statement-print = Print
flash-statements-closed = The period is closed; any new statements are listed below as drafts.
flash-statement-issue = The statement was issued and the supplier emailed.
flash-statement-confirm = You confirmed the statement.
flash-statement-dispute = Your dispute was sent to finance.
flash-statement-resolve = The dispute is resolved; adjustments go on the next statement.
flash-statement-invoice = The invoice is recorded.
flash-statement-pay = The payment is recorded.
mail-statement_issued-subject = Statement { $number } for { $period }
mail-statement_issued-body = Your consignment statement { $number } for period { $period } is ready: { $gross } yuan including tax. Please confirm it in the portal, or dispute any line that is wrong.
mail-statement_confirmed-subject = Statement { $number } confirmed
mail-statement_confirmed-body = The supplier confirmed statement { $number } for { $period } ({ $gross } yuan). It can be invoiced.
mail-statement_disputed-subject = Statement { $number } disputed
mail-statement_disputed-body = The supplier disputed lines of statement { $number } for { $period }. Please resolve the dispute in the portal.
mail-statement_resolved-subject = Dispute on statement { $number } resolved
mail-statement_resolved-body = Finance answered your dispute on statement { $number } ({ $period }). Any adjustment will appear on your next statement.
mail-statement_paid-subject = Statement { $number } paid
mail-statement_paid-body = Statement { $number } for { $period } ({ $gross } yuan) has been paid.
validation-period = Enter a period as YYYY-MM, e.g. 2027-01.
validation-format = Choose csv or xlsx.
validation-invalid = This choice is not valid.
validation-dispute_needs_a_line = Write a reason beside at least one line.
validation-not_on_statement = A line is not on this statement, or is named twice.
validation-answer_every_disputed_line = Answer every disputed line, and only those.
validation-cents = Use at most two decimal places (fen).
error-out_of_range = An amount or quantity is too large to record.
error-try_again = Someone else was changing the same records at that moment; nothing was saved. Please try again.
error-statement_state = The statement is not in a state that allows this step.
error-statement_changed = Someone changed this statement meanwhile; reload and try again.
flash-application-submitted = Your application was submitted for review.
flash-document-added = The document was added.
flash-failure-recorded = The failure was recorded and the supplier told.
flash-supplier-removed = Second confirmed failure: the supplier has been removed.

## Scorecard, re-review and supplier checks
scorecard-title = Scorecard
scorecard-quality = confirmed quality failures
scorecard-price = confirmed price failures
scorecard-open = failures awaiting a decision
scorecard-until-removal = more confirmed failures until removal
scorecard-documents-valid = valid documents
scorecard-documents-expiring = documents expiring within 30 days
scorecard-documents-expired = expired documents
scorecard-review-overdue = The yearly review is due.
suppliers-review-due = Yearly review due
re-review-title = Yearly re-review
decision-re_review_passed = Passed: keep for another year
decision-re_review_failed = Not passed: refer to the head
review-stage-re_review = Yearly re-review
mail-document_expiring-subject = A document expires soon: { $title }
mail-document_expiring-body = The document "{ $title }" of { $company } expires on { $date }. Please upload the renewed document in the portal before then; an expired business licence stops new listings, deliveries and bids.
mail-document_expiring_office-subject = Supplier document expiring: { $company }
mail-document_expiring_office-body = The document "{ $title }" of { $company } expires on { $date }.
mail-review_due-subject = Yearly review due: { $company }
mail-review_due-body = The yearly qualification review of { $company } was due on { $date }. Review it at /suppliers/{ $id }.
mail-re_review_failed-subject = Yearly review not passed: { $company }
mail-re_review_failed-body = { $company } did not pass its yearly review: { $reasons } Please decide whether to suspend it.

## Stock
error-delivery_not_pending = This delivery has already been inspected or refused.
error-insufficient_stock = Not enough stock is available for this quantity.
error-listing_not_orderable = This item cannot be ordered now (its price is not approved yet, or its supplier is not trading).
error-price_change_decided = This price change has already been decided.
error-quantity_out_of_range = The quantity is too large.
error-requisition_not_approved = Only approved requisitions can be issued.
error-requisition_status_changed = The requisition was changed by someone else just now; reload and try again.
error-stock_changed = The stock changed while issuing; try again.
validation-accepted_plus_rejected = Accepted and rejected quantities must add up to the delivered quantity.
validation-category_not_in_agreement = This material's category is not in your consignment agreement.
validation-checks_failed_reject = A line that fails a check (name, specification, model, quantity, certificate) must be rejected.
validation-every_line = Inspect every line of the delivery.
validation-issue_more_than_reserved = At most { $open } can be issued on this line.
validation-lead_time_range = Enter 0 to 365 days.
validation-max_below_min = The maximum must not be below the minimum.
validation-out_of_range = The value is too large.
validation-price_positive = Enter a price above zero.
validation-quantity = Enter a quantity above zero with at most { $decimals } decimal places.
mail-stock_stale-subject = Stock without movement: { $company }
mail-stock_stale-body = { $count } lots of { $company }'s consigned stock have had no movement for longer than your agreement allows. Please tell us in the portal whether you will take them back or exchange them.

## Supermarket pages
nav-catalogue = Catalogue
nav-requisitions = Requisitions
nav-my-listings = My listings & deliveries
nav-deliveries = Deliveries
nav-prices = Price approvals
catalogue-title = Consigned catalogue
catalogue-sort = Sort by
catalogue-sort-name = Name
catalogue-sort-price = Price, lowest first
catalogue-sort-price-desc = Price, highest first
catalogue-in-stock = In stock only
catalogue-price = Unit price
catalogue-available = Available
catalogue-quantity = Quantity
requisition-new = New requisition with the quantities above
requisition-purpose = Purpose (where it is used)
requisition-need-by = Needed by
requisition-submit = Submit the requisition
requisitions-title = Requisitions
requisitions-none = No requisitions yet.
requisition-issued = Issued
requisition-issue-now = Issue now
requisition-issue = Issue
requisition-approve = Approve and reserve
requisition-cancel = Cancel
requisition-overdue = Not issued within 24 hours
requisition-status-submitted = Waiting for approval
requisition-status-approved = Approved, stock reserved
requisition-status-partly_issued = Partly issued
requisition-status-issued = Issued
requisition-status-cancelled = Cancelled
my-listings-title = My listings and deliveries
listing-on-hand = On hand
listing-reserved = Reserved
listing-active = Orderable
listing-inactive = Not orderable (price awaiting approval or trading stopped)
listing-pending-price = Awaiting approval:
listing-change-price = Change the price
listing-effective-on = Effective from
listing-new = List a material
listing-min = Minimum stock
listing-max = Maximum stock
listing-lead-time = Lead time (days)
delivery-new = Send a delivery
delivery-note-number = Delivery note number
delivery-arrival = How it arrives
delivery-date = Delivery date
delivery-line = Line
delivery-batch = Batch number
delivery-send = Send the delivery note
delivery-lines = Lines
delivery-accepted = accepted
delivery-rejected = rejected
delivery-inspect-by = inspect by
delivery-overdue = overdue
delivery-record-inspection = Record the inspection
delivery-status-pending = Waiting for inspection
delivery-status-inspected = Inspected
delivery-status-refused = Refused (supplier removed)
deliveries-title = Deliveries
arrival-local = Local (inspect the same day)
arrival-part_load = Part load from elsewhere (within 3 days)
arrival-full_truck = Full truckload (within 7 days)
check-name = Name matches
check-specification = Specification matches
check-model = Model matches
check-quantity = Quantity matches
check-certificate = Certificate present
prices-title = Price approvals
prices-old = Current price
prices-new = Requested price
prices-approve = Approve
prices-reject = Reject
prices-none = No price changes are waiting.
flash-requisition-submitted = The requisition was submitted for approval.
flash-requisition-approved = The requisition was approved and the stock reserved.
flash-requisition-issued = The goods were issued.
flash-requisition-cancelled = The requisition was cancelled and its reservation released.
flash-listing-created = The listing was created; it becomes orderable once procurement approves the price.
flash-price-requested = The new price was sent for approval.
flash-delivery-sent = The delivery note was sent to the warehouse.
flash-delivery-inspected = The inspection was recorded; accepted goods are in stock.

## No-movement list
nav-no-movement = No movement
nomove-title = Stock without movement
nomove-value = Value
nomove-received = Received on
nomove-last-movement = Last movement
nomove-days = Days without movement
nomove-none = No stock is past its limit.
nomove-reason-supplier_removed = Supplier removed: to be returned
nomove-reason-return_requested = The supplier will take it back
nomove-reason-exchange_requested = The supplier will exchange it
nomove-reason-awaiting_supplier = Flagged; waiting for the supplier's answer
nomove-reason-not_yet_flagged = Past the limit; flagged at the next daily scan
common-download-csv = Download CSV
delivery-record-failure = Record a quality failure
error-nothing_rejected = Nothing was rejected on this line.


## Stale stock answered (rule 3) and stock counts (rule 12)
error-lot_not_flagged = This lot is not flagged for return or exchange (or nothing of it is left).
error-lot_removal_return = This stock belongs to a removed supplier and goes back; no answer is needed.
error-lot_not_answered = The supplier has not yet answered whether it takes this lot back or exchanges it.
error-lot_answer_mismatch = The supplier asked for the other option (return or exchange) for this lot.
error-return_takes_reserved = Part of this stock is reserved for approved requisitions; issue or cancel them first.
error-stock_count_pending = A count of this item is already waiting for a decision.
error-stock_count_decided = This stock count has already been decided.
error-count_loss_takes_reserved = The loss would take stock reserved for approved requisitions; issue or cancel them first.
validation-count_quantity = Enter the counted quantity (zero or more) with at most { $decimals } decimal places.
validation-count_reason_required = Give the reason for the difference from the book.
mail-lot_return_requested-subject = Return requested: { $company }, lot { $lot }
mail-lot_return_requested-body = { $company } will take back lot { $lot } ({ $material }, { $quantity } { $unit }), which has had no movement for too long. Record the return in the portal when the goods leave.
mail-lot_exchange_requested-subject = Exchange requested: { $company }, lot { $lot }
mail-lot_exchange_requested-body = { $company } will exchange lot { $lot } ({ $material }, { $quantity } { $unit }), which has had no movement for too long. Record the exchange in the portal when the fresh goods arrive.
mail-lot_returned-subject = Return recorded: lot { $lot }
mail-lot_returned-body = The return of lot { $lot } ({ $material }, { $quantity } { $unit }) to { $company } was recorded. It has left the consigned stock; nothing is owed for it.
mail-lot_exchanged-subject = Exchange recorded: lot { $lot }
mail-lot_exchanged-body = The exchange of lot { $lot } ({ $material }) was recorded: { $quantity } { $unit } went back to { $company } and { $fresh } { $unit } of fresh goods entered the consigned stock today.
mail-stock_count_pending-subject = Stock count differs from the book: { $material }
mail-stock_count_pending-body = Count { $id } of { $material } ({ $company }) found { $counted } { $unit } against { $book } { $unit } in the book (difference { $difference }). Reason: { $reason } Please approve or reject it.

## Materials master maintenance
materials-add = Add a material
materials-propose = Propose a material the master lacks
proposals-title = Proposed materials
proposal-status-pending = Waiting for procurement
proposal-status-approved = Approved and added
proposal-status-rejected = Rejected
validation-material_exists = This material (name and specification) is already in the master.
error-proposal_decided = This proposal has already been decided.
flash-material-created = The material was added to the master.
flash-material-proposed = Your proposal was sent to procurement.

## Stale stock and stock count pages
nav-my-lots = My stock
nav-lots = Lots on hand
nav-stock-counts = Stock counts
my-lots-title = My consigned stock
my-lots-intro = Your goods held in the company's warehouse, lot by lot. A lot that has had no movement for longer than your agreement allows is flagged: tell us whether you take it back or exchange it for fresh goods.
my-lots-flagged = Lots needing your answer or to be returned: { $count }
lots-title = Consigned lots on hand
lots-flagged-only = Only lots to be returned or exchanged
lots-none = No lots on hand.
lot-id = Lot
lot-in-order = In order
lot-flag-stale = No movement for too long: return or exchange
lot-flag-removal = Supplier removed: to be returned
lot-flagged-on = flagged on
lot-answer = Supplier's answer
lot-answer-return = Will take it back
lot-answer-exchange = Will exchange it
lot-answer-change = you may change it until the warehouse records it
lot-awaiting-answer = Waiting for the supplier's answer
lot-answer-return-button = Take it back
lot-answer-exchange-button = Exchange it
lot-removal-no-answer = Goes back; no answer needed
lot-no-answer-needed = Nothing to do
lot-actions = Warehouse
lot-record-return = Record the return ({ $quantity })
lot-record-exchange = Record the exchange
lot-fresh-quantity = Fresh goods received
flash-lot-answered-return = Your answer was sent: you will take the lot back. The warehouse has been told.
flash-lot-answered-exchange = Your answer was sent: you will exchange the lot. The warehouse has been told.
flash-lot-returned = The return was recorded; the lot has left the consigned stock.
flash-lot-exchanged = The exchange was recorded; the fresh goods are in stock as a new lot.
counts-title = Stock counts
counts-new = Enter a count
counts-nothing-to-count = No item has stock to count, or each has a count waiting for a decision.
counts-none = No stock counts yet.
count-item = Item
count-counted = Counted
count-book = Book
count-difference = Difference
count-reason = Reason for a difference
count-counted-by = Counted by
count-note = Note (optional)
count-submit = Enter the count
count-approve = Approve
count-reject = Reject
count-status-pending = Waiting for procurement
count-status-approved = Approved
count-status-rejected = Rejected
flash-count-confirmed = The count matches the book and was confirmed.
flash-count-pending = The count differs from the book; procurement has been asked to decide.
flash-count-approved = The count was approved; the difference is in the books.
flash-count-rejected = The count was rejected; the books are unchanged.
mail-no_movement_report-subject = Stock without movement, { $month }: { $warehouse }
mail-no_movement_report-body = { $warehouse } holds { $count } lots of consigned stock without movement past their limit, worth ¥{ $value }. The list with the reason for each line: /stock/no-movement?warehouse_id={ $id }


## Listings imported from a file
import-title = Import listings from a file
import-intro = Upload a CSV (UTF-8) or XLSX file with one listing per row and a header row in Chinese or English. Every row is checked first: if any row has a problem, nothing is imported and each problem is shown by row and column. Imported listings become orderable once procurement approves their prices.
import-link = Import from CSV or XLSX
import-file = File (CSV or XLSX, at most 5 MB and 5000 rows)
import-dry-run = Only check the file, import nothing
import-submit = Import
import-uploading = Uploading…
import-checking = Checking the rows…
import-checked = All { $count } rows are correct. Nothing was imported yet: upload the file again without "only check" to import it.
import-errors-title = Problems found: nothing was imported
import-more-errors = … and { $count } more problems.
import-row = Row
import-column = Column
import-problem = Problem
import-columns = Columns
import-header-zh = Chinese header
import-header-en = English header
import-note = Notes
import-col-material_code = Material code
import-col-material_name = Material name
import-col-spec = Specification
import-col-warehouse_code = Warehouse code
import-col-price = Price
import-col-min_stock = Minimum stock
import-col-max_stock = Maximum stock
import-col-lead_time_days = Lead time (days)
import-note-material_code = The code in the materials master, e.g. M0001. Leave it empty to give the name and specification instead.
import-note-material_name = Used when there is no material code: the Chinese or English name.
import-note-spec = With the material name: the specification exactly as in the materials master.
import-note-warehouse_code = Required, e.g. WH-01.
import-note-price = Required: the consignment unit price in yuan, above zero.
import-note-min_stock = Optional (0 when empty); at most the decimals of the material's unit.
import-note-max_stock = Required; not below the minimum; at most the decimals of the material's unit.
import-note-lead_time_days = Required: 0 to 365 days.
flash-listings-imported = The listings were imported; they become orderable once procurement approves their prices.
validation-import_file_too_large = The file is larger than 5 MB.
validation-import_file_type = Only CSV or XLSX files are accepted (an old .xls file: save it as .xlsx).
validation-import_file_encoding = The CSV file is not UTF-8: save it as "CSV UTF-8", or as XLSX.
validation-import_file_unreadable = The file cannot be read as CSV or XLSX.
validation-import_too_many_rows = The file has more than { $max } rows: split it.
validation-import_no_rows = The file has no rows to import.
validation-import_column_missing = This column is missing from the header row.
validation-import_column_twice = This column appears twice in the header row.
validation-import_material_ambiguous = Several materials have this name and specification: give the material code.
validation-import_listed_already = You already list this material at this warehouse.
validation-import_duplicate_row = This material and warehouse are already in row { $first }.
validation-import_whole_days = Enter a whole number of days.

categories-add = Add a category
categories-parent = Under the category
flash-category-created = The category was added.

delivery-certificate = Product certificate
delivery-no-certificate = No certificate was sent with this line.

# site returns
site-return-title = Site return
site-return-quantity = Quantity returned
site-return-reason = Reason
site-return-button = Return
site-return-returned = Returned
site-return-back = Back to the requisitions
site-return-flash-recorded = The return was recorded; the goods are back in stock.
validation-site_return_more_than_issued = At most { $open } can be returned on this line (issued less already returned).
error-site_return_nothing_issued = Nothing was issued on this requisition line, so nothing can come back.

# settlement reports
report-nav-usage = Site usage statements
report-nav-stock = Receipts, issues & balance
report-usage-title = Site usage statement
report-stock-title = Receipts, issues and balance report
report-company = Company
report-site = Site
report-warehouse = Warehouse
report-period = Period
report-period-dates = Dates
report-choose = — choose —
report-choose-site = Choose a site and a period.
report-choose-warehouse = Choose a warehouse and a period.
report-show = Show
report-download-csv = Download CSV
report-download-xlsx = Download Excel
report-print = Print
report-date = Date
report-requisition = Requisition no.
report-material = Material
report-spec = Specification
report-unit = Unit
report-supplier = Supplier
report-quantity = Quantity
report-unit-price = Unit price
report-amount = Amount (yuan)
report-subtotal = Subtotal
report-total = Total
report-usage-none = The site drew nothing in this period.
report-consigned = Consigned stock (supplier-owned)
report-consigned-note = Goods in lots still belong to their suppliers. Values are the movements' own amounts: receipts at their receipt price, issues at their issue price.
report-consigned-total = Total consigned
report-opening = Opening balance
report-receipts = Receipts
report-issues = Issues
report-other-outs = Other outs
report-closing = Closing balance
report-stock-none = Nothing was held or moved in this period.
report-issued-to-sites = Issued to sites (company-owned)
report-issued-note = Ownership passes to the company when goods are issued; the supermarket holds no company-owned stock, so the company-owned part is what the sites drew, net of goods handed back.
report-issued-total = Total issued to sites
report-issued-none = Nothing was issued to sites in this period.
report-sign-prepared = Prepared by:
report-sign-reviewed = Reviewed by:
report-sign-site = Receiving site (signature):
report-sign-keeper = Warehouse keeper:
validation-report_period = Enter a period as YYYY-MM, e.g. 2027-01.

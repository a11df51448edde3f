package demo

import "github.com/parley-hq/parley/internal/model"

// The demo company is Brightwave, which sells smart lights, a hub and a
// "Plus" subscription for its app: that gives it shipping, billing and
// technical questions, the three kinds every helpdesk sees.

// Team names; topics route to them.
const (
	teamBilling   = "Billing"
	teamTechnical = "Technical"
	teamSuccess   = "Customer Success"
)

// Inbox keys, used by the staff table to say who works where.
const (
	inEmail = "email"
	inChat  = "chat"
	inAPI   = "api"
	inPhone = "phone"
)

// staff is the demo team. The first entry is the admin whose login the
// demo prints. Jonas works only chat and WhatsApp, so signing in as him
// shows inbox permissions at work.
var staff = []struct {
	name, email string
	role        model.Role
	teams       []string
	inboxes     []string
}{
	{"Alex Admin", AdminEmail, model.RoleAdmin, nil, nil},
	{"Sam Rivera", "sam@demo.parley.test", model.RoleSupervisor, []string{teamSuccess}, nil},
	{"Priya Natarajan", "priya@demo.parley.test", model.RoleAgent, []string{teamTechnical, teamSuccess}, []string{inEmail, inChat, inAPI, inPhone}},
	{"Marcus Chen", "marcus@demo.parley.test", model.RoleAgent, []string{teamBilling}, []string{inEmail, inAPI, inPhone}},
	{"Elena Petrova", "elena@demo.parley.test", model.RoleAgent, []string{teamBilling, teamSuccess}, []string{inEmail, inChat, inAPI}},
	{"Tomás García", "tomas@demo.parley.test", model.RoleAgent, []string{teamTechnical}, []string{inEmail, inChat, inPhone}},
	{"Aisha Okafor", "aisha@demo.parley.test", model.RoleAgent, []string{teamTechnical}, []string{inEmail, inAPI, inPhone}},
	{"Jonas Lindqvist", "jonas@demo.parley.test", model.RoleAgent, []string{teamSuccess}, []string{inChat, inAPI}},
}

// LimitedAgentEmail is the agent who belongs to only two inboxes.
const LimitedAgentEmail = "jonas@demo.parley.test"

// inboxSpecs are the four channels. weight is each one's share of traffic.
var inboxSpecs = []struct {
	key, name string
	channel   model.Channel
	settings  string
	weight    int
}{
	{inEmail, "Support email", model.ChannelEmail, `{"address":"support@demo.parley.test"}`, 40},
	{inChat, "Website chat", model.ChannelChat, `{"website":"https://brightwave.example","greeting":"Hi! How can we help?"}`, 25},
	{inAPI, "WhatsApp bridge", model.ChannelAPI, `{"provider":"whatsapp","number":"+44 7700 900123"}`, 20},
	{inPhone, "Phone line", model.ChannelPhone, `{"number":"+1 415 555 0100"}`, 15},
}

var firstNames = []string{
	"Olivia", "Liam", "Emma", "Noah", "Sofia", "Lucas", "Mia", "Ethan", "Hannah", "Mateo",
	"Chloe", "Daniel", "Grace", "Omar", "Isabella", "Leo", "Zoe", "Ravi", "Amelia", "Kenji",
	"Nora", "Felix", "Lena", "Hugo", "Maya", "Arjun", "Clara", "Samuel", "Ines", "Yusuf",
	"Freya", "Diego", "Alice", "Tariq", "Julia", "Mohammed", "Ella", "Victor", "Anna", "Jamal",
	"Sara", "Benjamin", "Leila", "Oscar", "Emily", "Chen", "Fatima", "Rohan", "Charlotte", "Mikael",
	"Nadia", "Patrick", "Aiko", "Gabriel", "Ruth", "Tobias", "Helen", "Kwame", "Laura", "Andrei",
}

var lastNames = []string{
	"Johnson", "Müller", "Garcia", "Kowalski", "Nguyen", "O'Brien", "Rossi", "Andersen", "Patel", "Dubois",
	"Silva", "Kim", "Hughes", "Novak", "Haddad", "Jansen", "Murphy", "Schmidt", "Tanaka", "Fernández",
	"Larsen", "Walker", "Bianchi", "Cohen", "Mensah", "Reyes", "Fischer", "Lindgren", "Ahmed", "Costa",
	"Brennan", "Weber", "Sato", "Moreau", "Popescu", "Hall", "Yilmaz", "Vasquez", "Ward", "Petersen",
	"Kaur", "Romano", "Baker", "Okafor", "Svensson", "Ito", "Clarke", "Horvat", "Lopez", "Berg",
}

// Personal addresses use reserved example domains so that no demo reply
// can ever reach a real mailbox once outbound email is configured.
var personalDomains = []string{"example.com", "example.org", "example.net", "mail.example", "inbox.example"}

// companies are the businesses behind VIP, lead and partner contacts.
var companies = []string{
	"Northpeak Interiors", "Harbor & Vine Hotel", "Cobalt Coworking", "Greenleaf Property", "Fjord Design Studio",
	"Summit Dental Group", "Riverside Lofts", "Maple Street Cafés", "Orbit Hostels", "Tidewater Realty",
	"Pine & Co Retail", "Lakeside Clinic", "Copperline Architects", "Bluebird Bakery", "Quarry Hill School",
}

// partners are installers and shops that resell Brightwave.
var partners = []string{
	"Atlas Smart Homes", "Brightside Installers", "Kestrel Electrical", "Volt & Wire", "Nordic Light Shop",
	"CasaSmart", "HomeTech Store", "Lumen Electrical",
}

var cities = []string{
	"London", "Manchester", "Dublin", "Amsterdam", "Berlin", "Hamburg", "Copenhagen", "Stockholm", "Lisbon", "Madrid",
	"Boston", "Austin", "Seattle", "Toronto", "Chicago", "Denver", "Melbourne", "Auckland",
}

var products = []struct{ name, price string }{
	{"Glow Bulb A19", "$19.99"},
	{"Glow Bulb E14 3-pack", "$44.99"},
	{"Light Strip 2m", "$59.99"},
	{"Brightwave Hub", "$79.00"},
	{"Motion Sensor", "$34.99"},
	{"Starter Kit", "$149.00"},
	{"Ceiling Panel 60", "$189.00"},
	{"Outdoor Spot 2-pack", "$99.00"},
}

var routers = []string{"Netgear Orbi", "TP-Link Deco", "Google Nest Wifi", "Eero Pro 6", "Fritz!Box 7590", "ASUS RT-AX88U"}

var phones = []string{"Pixel 7", "Samsung Galaxy S23", "OnePlus 11", "Xiaomi 13", "Samsung Galaxy A54", "Pixel 8a"}

var addresses = []string{
	"4th floor, 21 Canal Street", "Unit 7, Riverside Business Park", "Building B, 300 Harbour Road",
	"Suite 210, 55 Market Square", "12 Old Mill Lane",
}

// storyCase is one coherent thread: each message answers the previous one.
type storyCase struct {
	subjects []string
	open     string // the customer's first message
	ask      string // the agent's first reply, usually a question
	detail   string // the customer's answer
	fix      string // the agent's answer that settles it
	note     string // an internal note, optional
}

// topic is a kind of request, with the team that handles it.
type topic struct {
	key      string
	team     string
	tags     []string
	priority model.Priority
	// who may write about it: customers (and VIPs), leads or partners.
	who    []model.ContactType
	recurs bool // it can come back after a fix (reopen and follow-up stories)
	weight int
	cases  []storyCase
}

var (
	everyone  = []model.ContactType{model.ContactCustomer, model.ContactVIP, model.ContactPartner}
	customers = []model.ContactType{model.ContactCustomer, model.ContactVIP}
	// businesses are the contacts with a company behind them.
	businesses = []model.ContactType{model.ContactVIP, model.ContactPartner}
)

// outageTopic is the incident that the demo replays as a burst of reports.
const outageTopic = "outage"

var topics = []topic{
	{key: "double-charge", team: teamBilling, tags: []string{"billing", "refund"}, priority: model.PriorityHigh, who: everyone, recurs: true, weight: 6, cases: []storyCase{{
		subjects: []string{"Charged twice for my order", "Double charge on my card"},
		open:     "I just checked my bank statement and I was charged {amount} twice for order {order}. I only placed one order. Can you please look into this and refund the duplicate?",
		ask:      "Sorry about that — a duplicate charge is never fun to find. I can see order {order} on our side. Could you tell me the last four digits of the card and the dates of both charges, so I can match them with our payment provider?",
		detail:   "Card ends in {last4}. Both charges are from the same day, same amount ({amount}).",
		fix:      "You're right: the payment went through twice because of a timeout during checkout. I've refunded the duplicate {amount} to the card ending {last4}. It usually shows up within 5–10 business days, depending on your bank.",
		note:     "Stripe shows two captures 4 seconds apart. Same pattern as the checkout timeout issue from last week — linking for engineering.",
	}, {
		subjects: []string{"Two identical charges from Brightwave", "Duplicate payment for {order}"},
		open:     "There are two identical charges of {amount} on my credit card from Brightwave, both from the same day. I only bought one {product}. Please fix this.",
		ask:      "Thanks for flagging this. Sometimes the bank shows a pre-authorisation that drops off by itself within 3–5 days. Could you check whether the second charge is still listed as pending, or send a screenshot (feel free to hide the card number)?",
		detail:   "It's not pending, both are booked. Screenshot attached — card ending {last4}.",
		fix:      "Confirmed — our payment provider captured the payment twice. The refund of {amount} is on its way, and I've added a note so this order isn't charged again. Sorry for the trouble!",
		note:     "Refund issued in Stripe, ref re_{ref}. Nothing else needed.",
	}}},
	{key: "refund", team: teamBilling, tags: []string{"refund", "returns"}, priority: model.PriorityNormal, who: customers, weight: 6, cases: []storyCase{{
		subjects: []string{"Refund for returned {product}", "Still waiting for my refund"},
		open:     "I sent back my {product} two weeks ago (order {order}) and the tracking says it was delivered to your warehouse, but I haven't received a refund yet.",
		ask:      "Thanks for your patience. Refunds are processed once the item has been checked, which usually takes 3–5 business days. Could you send me the return tracking number? I want to make sure the parcel was matched with your order.",
		detail:   "I used the prepaid label from the return email. Tracking number is {tracking}.",
		fix:      "Found it — the parcel was received but hadn't been matched to your order. I've processed the refund of {amount} now; you should see it within 5–10 business days.",
		note:     "Warehouse scanned the return but it sat in the unmatched queue. Asked ops to check for others.",
	}, {
		subjects: []string{"Return received? Refund not showing", "When will I get my money back?"},
		open:     "Hi, I returned a {product} because it didn't fit my fixture. Can you confirm you got it and when the refund will be processed?",
		ask:      "Of course! Could you confirm the order number, or the email address you used at checkout?",
		detail:   "Order {order}, same email as this one.",
		fix:      "The warehouse has checked the {product} and everything's in order. Your refund of {amount} has been issued to the original payment method.",
	}}},
	{key: "invoice", team: teamBilling, tags: []string{"billing", "invoice"}, priority: model.PriorityLow, who: businesses, weight: 4, cases: []storyCase{{
		subjects: []string{"Invoice with our VAT number", "Need a corrected invoice"},
		open:     "Could you send us an invoice for {order} with our company name and VAT number on it? Our accounting department can't book it otherwise.",
		ask:      "Happy to help. Could you send me the exact company name, the billing address and the VAT number as they should appear on the invoice?",
		detail:   "{company}, {address}, VAT ID {vat}. Please use the same details for all future invoices as well.",
		fix:      "Here's the corrected invoice with {company} and your VAT number. I've also saved the details on your account, so every future invoice will have them.",
		note:     "Reissued invoice INV-{ref}; the original one is voided in the accounting system.",
	}, {
		subjects: []string{"Company details missing on invoice", "Billing address on invoices"},
		open:     "The invoice for our Brightwave Plus subscription shows my personal name. We need it issued to {company}.",
		ask:      "Sure thing. Should I update the details for all future invoices too, or only for this one? And is there a VAT number you'd like on it?",
		detail:   "All future ones too, please. VAT ID is {vat}.",
		fix:      "Done! I've updated your billing details and attached a corrected invoice. All future invoices will use the new details automatically.",
	}}},
	{key: "cancel", team: teamBilling, tags: []string{"billing", "cancellation"}, priority: model.PriorityNormal, who: customers, weight: 4, cases: []storyCase{{
		subjects: []string{"Cancel my Brightwave Plus subscription", "Please cancel my subscription"},
		open:     "Please cancel my Brightwave Plus subscription. I'm not using away mode and the schedules enough to justify it.",
		ask:      "I'm sorry to see you go! Before I cancel it: is there anything that didn't work the way you expected? If it's the price, I can offer you 3 months at 50% off.",
		detail:   "Thanks for the offer, but please go ahead and cancel.",
		fix:      "All done — your subscription is cancelled and won't renew. You'll keep Plus features until the end of the current billing period, and your lights, scenes and schedules stay as they are.",
		note:     "Offered the 50% retention discount; declined. Reason: not using Plus features.",
	}, {
		subjects: []string{"How do I cancel?", "Stop the auto-renewal"},
		open:     "I can't find where to cancel my subscription in the app. It renews next week and I don't want to be charged again.",
		ask:      "I can take care of that. Just to confirm: you'd like to cancel Brightwave Plus and keep using the free features of the app with your existing lights?",
		detail:   "Yes, that's right — the free features are fine for me.",
		fix:      "I've turned off auto-renewal. You won't be charged again, and you can re-subscribe from the app at any time (Settings → Subscription).",
	}}},
	{key: "payment-failed", team: teamBilling, tags: []string{"billing", "checkout"}, priority: model.PriorityNormal, who: everyone, recurs: true, weight: 3, cases: []storyCase{{
		subjects: []string{"Payment declined at checkout", "Card keeps getting declined"},
		open:     "I'm trying to order a {product} but my card keeps getting declined, even though it works everywhere else.",
		ask:      "Sorry about that! Could you tell me which payment method you used and roughly what time you tried? I'll look up the attempts in our payment logs.",
		detail:   "Visa, I tried around lunchtime today, three times.",
		fix:      "Thanks! Our logs show your bank declined the 3-D Secure check. I've sent you a payment link that works without the pop-up — that should go through. Let me know if it doesn't.",
		note:     "Several 3DS failures from the same bank today — flagged in #payments.",
	}, {
		subjects: []string{"Can't complete my order", "Checkout error: payment could not be processed"},
		open:     "Checkout fails with \"payment could not be processed\". I tried two different cards.",
		ask:      "Some banks block the 3-D Secure step when it opens in a pop-up. Could you try again in a different browser, or with PayPal, and let me know the result?",
		detail:   "Tried in Chrome instead of Safari and got the same error.",
		fix:      "Found the issue: the billing postcode didn't match the format your bank expects. I corrected it on our side, the payment went through and your order {order} is confirmed.",
	}}},
	{key: "hub-offline", team: teamTechnical, tags: []string{"bug", "connectivity"}, priority: model.PriorityHigh, who: everyone, recurs: true, weight: 8, cases: []storyCase{{
		subjects: []string{"Hub keeps going offline", "Lights unresponsive, app says hub offline"},
		open:     "Since yesterday my Brightwave Hub shows as offline in the app every few hours. I have to unplug it to get it back, and none of the schedules run while it's offline.",
		ask:      "Sorry for the trouble. Could you tell me the firmware version of the hub (Settings → Hub → About) and whether your router uses the same network name for 2.4 and 5 GHz?",
		detail:   "Firmware is 3.8.1. It's a {router}, and yes, I think both bands share one name.",
		fix:      "Thanks, that helps. Firmware 3.8.1 has a known issue with mesh networks that combine both bands under one name. I've pushed 3.8.3 to your hub, which fixes it — it should stay online from now on.",
		note:     "Another 3.8.1 + mesh report. Engineering ticket HW-{ref} tracks this; pushed 3.8.3 manually.",
	}, {
		subjects: []string{"Brightwave Hub not connecting to Wi-Fi", "Hub setup fails at the last step"},
		open:     "I can't get the hub onto my Wi-Fi. The light blinks orange and setup fails at the last step.",
		ask:      "Let's figure this out. What router do you have, and is the hub more than a couple of rooms away from it? Also, does the LED blink orange or stay solid?",
		detail:   "Router is a {router}, the hub is in the next room. LED blinks orange.",
		fix:      "Mesh routers sometimes steer the hub to the 5 GHz band, which it can't use. Please turn on a separate 2.4 GHz network in the router settings (often called \"smart connect\" or \"band steering\") and run setup again. That fixes it in almost every case.",
		note:     "Customer has a {router}. Known band-steering problem; KB article needs a screenshot for this model.",
	}}},
	{key: "app-crash", team: teamTechnical, tags: []string{"bug", "mobile"}, priority: model.PriorityHigh, who: customers, recurs: true, weight: 6, cases: []storyCase{{
		subjects: []string{"App crashes on startup after update", "Brightwave Home app won't open"},
		open:     "After yesterday's update the Brightwave Home app crashes as soon as I open it. I'm on a {phone}.",
		ask:      "Sorry about that! Could you tell me the app version (you'll find it in your phone's app settings) and your Android version?",
		detail:   "App version 5.2.0, Android 14 on a {phone}.",
		fix:      "Thanks for the details! Version 5.2.1 is now in the Play Store and fixes the crash on startup. Please update and let me know if it still happens.",
		note:     "Crash report matches APP-{ref} (scenes with more than 20 lights). Fixed in 5.2.1.",
	}, {
		subjects: []string{"Android app closes immediately", "App stuck on the splash screen"},
		open:     "The app closes right after the splash screen. I've reinstalled it twice already and restarted my phone.",
		ask:      "Thanks for reporting this. We're looking into crashes on some Android devices after version 5.2. How many lights do you have in your largest scene?",
		detail:   "About 25 in the \"Everything\" scene, I think.",
		fix:      "That's the one! Scenes with more than 20 lights crashed 5.2.0. The fix is out in 5.2.1 — updating should get you going again, and your scenes are all still there.",
	}}},
	{key: "api", team: teamTechnical, tags: []string{"api", "bug"}, priority: model.PriorityNormal, who: []model.ContactType{model.ContactPartner, model.ContactVIP}, recurs: true, weight: 3, cases: []storyCase{{
		subjects: []string{"API returns 429 Too Many Requests", "Rate limited on the cloud API"},
		open:     "Our integration started getting 429 responses from the Brightwave API this morning, even though we only poll every 30 seconds.",
		ask:      "Thanks for the report. Could you share your client ID and an example request ID from one of the failing calls? I'll check the gateway logs.",
		detail:   "Client ID is {client}. Example request ID: req_{ref}.",
		fix:      "Found it: your client was moved to a stricter rate-limit tier by mistake during our maintenance. I've restored the 600 requests/minute limit. Sorry for the disruption!",
		note:     "Rate-limit tier reset in the admin console. Suggested they switch to webhooks instead of polling.",
	}, {
		subjects: []string{"Webhook events stopped arriving", "No webhooks since the weekend"},
		open:     "We haven't received any webhook events for light state changes since the weekend. Our endpoint is up and returns 200.",
		ask:      "Let me check. Could you send me the webhook URL you registered and the approximate time you received the last event?",
		detail:   "Endpoint is https://hooks.{domain}/brightwave, last event Saturday around 6 pm.",
		fix:      "Your webhook was disabled automatically after several timeouts on Saturday evening. I've re-enabled it, and events are flowing again. You can check delivery status under Developer → Webhooks.",
	}}},
	{key: "feature", team: teamTechnical, tags: []string{"feature-request"}, priority: model.PriorityLow, who: everyone, weight: 4, cases: []storyCase{{
		subjects: []string{"Feature request: sunrise alarm", "Wake-up light idea"},
		open:     "Love the lights! Is there any plan to add a sunrise alarm that slowly brightens the bedroom lights in the morning?",
		ask:      "Thanks for the suggestion! I've passed it on to our product team. Can I ask how you'd use it, so I can add some detail to the request?",
		detail:   "I'd like the bedroom to go from 0 to 60% over 20 minutes before my alarm on weekdays.",
		fix:      "Thank you, I've added your use case to the request. I can't promise a date yet, but I'll let you know here when it ships.",
		note:     "Added to the product board, +1 on the existing sunrise request.",
	}, {
		subjects: []string{"Suggestion: schedules for room groups", "Could you add Matter support?"},
		open:     "It would be great if I could apply one schedule to a whole group of rooms instead of setting it up room by room.",
		ask:      "Great idea — you're not the first to ask. Could you tell me a bit more about your setup, so the product team understands the use case?",
		detail:   "I have about 25 lights across 6 rooms, and I change the schedules with the seasons.",
		fix:      "Noted and passed on with your details. Our roadmap is public at brightwave.example/roadmap, where you can vote for it as well.",
	}}},
	{key: "login", team: teamTechnical, tags: []string{"login", "account"}, priority: model.PriorityNormal, who: customers, weight: 4, cases: []storyCase{{
		subjects: []string{"Password reset email never arrives", "Can't reset my password"},
		open:     "I requested a password reset three times but never got the email. I checked spam too.",
		ask:      "Sorry about that! Which email address do you use for your Brightwave account? Sometimes the reset goes to an older address.",
		detail:   "It's {email}. That's the only address I've ever used.",
		fix:      "Thanks! Your email provider had bounced one of our messages, so our system stopped sending to that address. I've cleared the block and sent a new reset link — it should arrive in a minute.",
		note:     "Address was on the suppression list after a bounce. Removed.",
	}, {
		subjects: []string{"Locked out after changing phone", "Two-factor code not accepted"},
		open:     "I got a new phone and can't log into the app anymore. It says my two-factor code is invalid.",
		ask:      "I can help with that. To verify it's you, could you tell me the serial number on the bottom of your hub and the email on the account?",
		detail:   "Serial number is {serial}, email {email}.",
		fix:      "Thanks, you're verified. I've reset two-factor authentication on your account, so you can log in with your password and set it up again on the new phone.",
	}}},
	{key: "where-is-order", team: teamSuccess, tags: []string{"shipping"}, priority: model.PriorityNormal, who: everyone, weight: 9, cases: []storyCase{{
		subjects: []string{"Where is my order?", "Tracking hasn't updated in days"},
		open:     "I ordered a {product} a week ago (order {order}) and the tracking hasn't changed in four days. Can you tell me where it is?",
		ask:      "Let me check with the carrier. Could you confirm the delivery address on the order is still correct?",
		detail:   "Yes, the address is correct. Please hurry, it's a birthday present.",
		fix:      "Good news: the carrier found the parcel — it was held at a sorting centre. It's out for delivery and should arrive tomorrow.",
		note:     "Carrier enquiry opened, ref {ref}. Follow up in 48h if no answer.",
	}, {
		subjects: []string{"Order {order} hasn't arrived", "Delivery is late"},
		open:     "My order {order} was supposed to arrive yesterday. Nothing came.",
		ask:      "Sorry for the wait! I've opened an enquiry with the carrier for tracking {tracking}. Did you get a \"sorry we missed you\" card, by any chance?",
		detail:   "No card, nothing. Still no parcel today.",
		fix:      "The carrier has confirmed the parcel was lost, so I've sent a replacement with express shipping at no cost. New tracking number: {tracking2}.",
	}}},
	{key: "damaged", team: teamSuccess, tags: []string{"shipping", "damaged", "refund"}, priority: model.PriorityHigh, who: everyone, weight: 5, cases: []storyCase{{
		subjects: []string{"Item arrived damaged", "Broken {product} in the box"},
		open:     "My {product} arrived today and the box was crushed. The glass is cracked. Order {order}.",
		ask:      "I'm so sorry! Could you send a photo of the item and the packaging? Then I'll arrange a replacement right away.",
		detail:   "Photos attached. The outer box looked fine, but the inner box was dented.",
		fix:      "Thanks for the photos. A replacement {product} is on its way, tracking {tracking}. No need to send the broken one back — please recycle it.",
		note:     "Third damaged-in-transit report from this carrier this week. Raised with logistics.",
	}, {
		subjects: []string{"{product} doesn't work out of the box", "Dead on arrival"},
		open:     "The {product} I received doesn't turn on at all. I tried two different sockets.",
		ask:      "Sorry to hear that. Could you try resetting it by switching it off and on five times in a row? If it still doesn't respond, I'll send a replacement.",
		detail:   "Tried the reset, still nothing.",
		fix:      "I've shipped you a new {product} (tracking {tracking}) and included a prepaid label for the faulty one. Sorry again!",
	}}},
	{key: "exchange", team: teamSuccess, tags: []string{"shipping", "returns"}, priority: model.PriorityNormal, who: customers, weight: 4, cases: []storyCase{{
		subjects: []string{"Wrong item delivered", "I received E14 bulbs instead of E27"},
		open:     "I ordered E27 bulbs but received E14 ones. Order {order}.",
		ask:      "Sorry for the mix-up! Could you send a photo of the label on the box? I'll get the right ones sent out.",
		detail:   "Photo attached, it says E14 on the label.",
		fix:      "Thanks! The correct bulbs are on their way (tracking {tracking}), and a return label for the wrong ones is attached.",
		note:     "Picking error at the warehouse — reported to ops.",
	}, {
		subjects: []string{"Exchange for warm white", "Can I swap my {product}?"},
		open:     "Can I exchange my {product} for the warm white version? I didn't realise the difference.",
		ask:      "Of course! Is the packaging still unopened? If so, I can do a straight exchange.",
		detail:   "Yes, it's still sealed.",
		fix:      "I've set up the exchange. Use the attached label to send it back; the warm white version ships as soon as the carrier scans your parcel.",
	}}},
	{key: "onboarding", team: teamSuccess, tags: []string{"onboarding"}, priority: model.PriorityLow, who: []model.ContactType{model.ContactCustomer, model.ContactVIP, model.ContactLead}, weight: 6, cases: []storyCase{{
		subjects: []string{"Help setting up my first scene", "How do scenes work?"},
		open:     "Just got my starter kit! How do I make a scene that turns the living room lights to 30% in the evening?",
		ask:      "Welcome to Brightwave! In the app, go to Rooms → Living room → Scenes → New scene, set the lights to 30% and save. Did that work for you?",
		detail:   "The scene works, but I can't find where to set the time.",
		fix:      "Under Automations → New → Time of day, pick the scene and set the time and days. That's it! Let me know if anything else is unclear.",
	}, {
		subjects: []string{"How do I add a second user?", "Sharing lights with my family"},
		open:     "How can I give my partner access to our lights? They have their own phone.",
		ask:      "Great question! Go to Settings → Home → Members → Invite and enter their email. They'll get an invitation to download the app. Did that work?",
		detail:   "They got the invite but it says the link expired.",
		fix:      "Invitations expire after 48 hours. I've sent a fresh one that's valid for a week.",
	}, {
		subjects: []string{"Do I need the hub?", "Getting started with Brightwave"},
		open:     "I'm new to smart lights. Do I need the hub, or can the bulbs work on Wi-Fi alone?",
		ask:      "The bulbs work with Bluetooth on their own, but for schedules, away mode and control from outside the house you'll want the hub. How many lights are you planning to start with?",
		detail:   "Probably 6 to begin with, in two rooms.",
		fix:      "Then the Starter Kit is the best fit: 4 bulbs plus the hub, and you can add two more bulbs later. Here's a 10% welcome code: WELCOME10.",
		note:     "Possible upsell — interested in expanding to more rooms.",
	}}},
	{key: "privacy", team: teamSuccess, tags: []string{"privacy", "account"}, priority: model.PriorityNormal, who: customers, weight: 2, cases: []storyCase{{
		subjects: []string{"Delete my account and data", "Account deletion request"},
		open:     "Please delete my Brightwave account and all personal data you hold about me.",
		ask:      "I can help with that. To confirm the request comes from the account owner, could you confirm the email address on the account and the city in your delivery address?",
		detail:   "It's {email}, and I live in {city}.",
		fix:      "Your request is complete. The account and its data have been deleted; billing records we're legally required to keep will be removed after the retention period.",
		note:     "Verified via account email and address. Logged in the privacy request register.",
	}, {
		subjects: []string{"GDPR data request", "Request a copy of my data"},
		open:     "Under GDPR, I'd like a copy of all personal data you store about me.",
		ask:      "Certainly. Just to confirm: the request covers the account {email}, including app usage history?",
		detail:   "Yes, everything please.",
		fix:      "Your data export is ready. I've sent a secure download link to {email}; it's valid for 7 days.",
	}}},
	{key: "sales", team: teamSuccess, tags: []string{"sales"}, priority: model.PriorityNormal, who: []model.ContactType{model.ContactLead}, weight: 5, cases: []storyCase{{
		subjects: []string{"Pricing for {seats} bulbs for our office", "Volume discount?"},
		open:     "We're refurbishing our office at {company} and need about {seats} bulbs plus hubs. Do you offer volume pricing?",
		ask:      "Thanks for reaching out! We do offer volume pricing from 50 units. Could you tell me which products you're interested in and when you'd need delivery?",
		detail:   "Mostly A19 bulbs, plus {hubs} hubs and motion sensors for the meeting rooms. Delivery in about 6 weeks.",
		fix:      "Here's your quote — 18% off list price for this volume, with free delivery. I've also introduced you to our business team, who can recommend installation partners near you.",
		note:     "Warm lead, {seats} units. Passed to business sales.",
	}, {
		subjects: []string{"Quote for a hotel project", "Lighting for 40 rooms"},
		open:     "I manage {company} and am looking at Brightwave for 40 rooms. Could you send a quote?",
		ask:      "Happy to help! Are you looking for bulbs only, or also light strips and motion sensors? And do you already have Wi-Fi in every room?",
		detail:   "About {seats} bulbs and a sensor per room. Wi-Fi is everywhere. We'd like to install next month.",
		fix:      "I've attached a quote that's valid for 30 days. If you'd like to see the system first, we can send a demo kit for one room free of charge.",
	}}},
	{key: "wholesale", team: teamSuccess, tags: []string{"partner"}, priority: model.PriorityNormal, who: []model.ContactType{model.ContactPartner}, weight: 4, cases: []storyCase{{
		subjects: []string{"Wholesale order for next month", "Monthly restock"},
		open:     "We'd like to place our monthly wholesale order: {seats} A19 bulbs and {hubs} hubs. Can you confirm stock?",
		ask:      "Thanks! Stock is fine for the bulbs; hubs are limited until next week. Would a split shipment work for you?",
		detail:   "Split shipment is fine.",
		fix:      "Perfect, the order is confirmed. Bulbs ship tomorrow, hubs early next week. The invoice follows separately on your usual net-30 terms.",
		note:     "Partner account in good standing, net-30 terms.",
	}, {
		subjects: []string{"Partner portal access", "New store manager needs a login"},
		open:     "Our new store manager needs access to the partner portal. Could you set up an account for her?",
		ask:      "Of course. Could you send me her name and email address?",
		detail:   "Her name is {newname}, email {newemail}.",
		fix:      "Done — she'll receive an invitation to the partner portal shortly.",
	}, {
		subjects: []string{"Marketing materials for our shop", "Spring range displays"},
		open:     "Do you have updated product photos and displays for our shop? The spring range isn't in the partner kit yet.",
		ask:      "Yes — the new kit is almost ready. Would you prefer print-ready files, a physical display, or both?",
		detail:   "Print-ready files please, and one floor display.",
		fix:      "I've shared the download link for the spring kit, and a floor display is on its way to your shop.",
	}}},
	{key: outageTopic, team: teamTechnical, tags: []string{"urgent", "bug", "outage"}, priority: model.PriorityUrgent, who: customers, cases: []storyCase{{
		subjects: []string{"Is the service down?", "Remote control not working"},
		open:     "Is Brightwave down? I can't control any of my lights remotely and the status page says everything is fine.",
		ask:      "Thanks for letting us know. We're seeing connection problems for some customers and our engineers are on it. Local control (on the same Wi-Fi as the hub) still works. I'll update you as soon as it's fixed.",
		detail:   "Thanks. Any idea how long it will take?",
		fix:      "The issue is fixed: a certificate on one of our servers had expired. Remote control and automations are working again. Sorry for the disruption!",
		note:     "Incident INC-{ref}. Reply to everyone once the status page is updated.",
	}, {
		subjects: []string{"Nothing works — app can't reach my lights", "Automations didn't run"},
		open:     "None of my automations ran this morning and the app can't connect. Please help!",
		ask:      "Sorry about this — we have an incident in progress that affects remote access and automations. I'll keep you posted here.",
		detail:   "Still not working for me.",
		fix:      "Everything's back to normal now. Your automations will run as usual from here on. Thanks for your patience!",
	}}},
}

// Messages that fit any topic.
var (
	greetings   = []string{"Hi,", "Hello,", "Hi there,", "Hello Brightwave team,", "Good morning,", "Hi support,"}
	signoffs    = []string{"Thanks,", "Best,", "Kind regards,", "Cheers,", "Thanks in advance,", "Regards,"}
	agentCloses = []string{"Best,", "Kind regards,", "Thanks,", "All the best,", "Warm regards,"}

	thanks = []string{
		"Thank you, that did it!",
		"Perfect, thanks for the quick help.",
		"Great, all sorted now. Thanks {agent}!",
		"Got it, much appreciated.",
		"That worked. Thanks a lot!",
		"Brilliant, thank you so much.",
	}
	nudges = []string{
		"Any update on this?",
		"Hi, just checking in — I haven't heard back yet.",
		"Hello? This is still an issue for me.",
		"Sorry to chase, but could someone look at this today?",
	}
	reopens = []string{
		"Sorry to bring this up again, but the problem is back.",
		"Unfortunately it's happening again since this morning.",
		"I thought this was sorted, but it isn't — same issue as before.",
	}
	reopenReplies = []string{
		"Sorry it's back! I've escalated this to our senior engineers and will update you as soon as I know more.",
		"Thanks for letting me know. Could you tell me exactly when it started again? That will help us find the pattern.",
		"I'm sorry about that. I'm looking into it again right now and will get back to you today.",
	}
	followups = []string{
		"Hello again! I wrote to you about this a few weeks ago, and unfortunately the same thing is happening again.",
		"Hi, this is related to my earlier request. The problem has come back and I don't know what else to try.",
		"Me again — I'm afraid the issue from my previous ticket has returned.",
	}
	holds = []string{
		"I've passed this on to our {team} team. I'll get back to you by the end of the week at the latest.",
		"I'm waiting to hear back from a colleague on this; I'll follow up as soon as I have an answer.",
		"Our specialists are looking into it. I'll check in with you again in a couple of days.",
	}
	confirms = []string{
		"I've made a change on our side — could you check whether it works now and let me know?",
		"That should be fixed now. Could you give it a try and confirm?",
		"I've applied the fix to your account. Let me know if you still see the problem.",
	}
	reminders = []string{
		"Just checking in — do you still need help with this?",
		"Hi {name}, I haven't heard back, so I wanted to make sure you got my last message.",
	}
	ignores = []string{
		"Please ignore my last message — I found the answer in your help center.",
		"Never mind, my partner already sorted it out. Sorry for the noise!",
	}
	duplicateNotes = []string{
		"Duplicate of another conversation from the same customer — closing this one.",
		"Customer wrote in twice about the same thing; answered in the other thread.",
	}
	vipNotes = []string{
		"VIP account — please keep me posted on this one.",
		"This is one of our largest accounts. Let's aim for a same-day answer.",
	}
	handoverNotes = []string{
		"Taking this one, I handled their previous request.",
		"Checked the account: no other open orders or issues.",
		"Customer sounded frustrated on the phone — let's be generous here.",
	}
	escalationNotes = []string{
		"Second time this has come up for this customer. Escalating to the {team} lead.",
		"Reopened after the fix — asking engineering whether the firmware rollback affected them.",
	}
)

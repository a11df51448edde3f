package dataset

import "github.com/parley-hq/parley/internal/model"

// The dataset's company is Brightwave, the demo's smart-home shop grown to a
// million conversations: orders, billing and devices give it the three kinds
// of request every helpdesk sees. Templates fill {slots} from a thread's
// context (text.go), so the same order number or product recurs within a
// conversation while the vocabulary across conversations stays broad.

// staff are the helpdesk's users: one admin, two supervisors, agents.
// teams are indexes into teamNames; inboxes into inboxSpecs.
var staff = []struct {
	name    string
	role    model.Role
	teams   []int
	inboxes []int
}{
	{"Alex Morgan", model.RoleAdmin, nil, nil},
	{"Sam Rivera", model.RoleSupervisor, []int{2}, []int{0, 2, 4}},
	{"Hannah Becker", model.RoleSupervisor, []int{0, 1}, []int{0, 1, 5}},
	{"Priya Natarajan", model.RoleAgent, []int{1}, []int{0, 2, 3}},
	{"Marcus Chen", model.RoleAgent, []int{0}, []int{0, 1, 5}},
	{"Elena Petrova", model.RoleAgent, []int{0, 2}, []int{1, 2, 3}},
	{"Tomás García", model.RoleAgent, []int{1}, []int{0, 2, 5}},
	{"Aisha Okafor", model.RoleAgent, []int{1}, []int{0, 3, 4}},
	{"Jonas Lindqvist", model.RoleAgent, []int{2}, []int{2, 3}},
	{"Chloé Martin", model.RoleAgent, []int{2, 3}, []int{0, 2, 4}},
	{"Daniel Osei", model.RoleAgent, []int{3}, []int{0, 1}},
	{"Mei Tanaka", model.RoleAgent, []int{1}, []int{0, 3, 4, 5}},
	{"Lucas Silva", model.RoleAgent, []int{0}, []int{1, 2, 4}},
	{"Sofia Rossi", model.RoleAgent, []int{2}, []int{0, 2, 3}},
	{"Omar Haddad", model.RoleAgent, []int{1, 3}, []int{0, 4, 5}},
	{"Grace Kim", model.RoleAgent, []int{0, 2}, []int{0, 1, 2}},
	{"Felix Wagner", model.RoleAgent, []int{1}, []int{2, 3, 5}},
	{"Nora Lindgren", model.RoleAgent, []int{3}, []int{0, 1, 4}},
	{"Ravi Kapoor", model.RoleAgent, []int{1}, []int{0, 3}},
	{"Zoe Walker", model.RoleAgent, []int{2}, []int{0, 2, 4, 5}},
}

// staffDomain keeps generated logins out of real mailboxes.
const staffDomain = "bench.parley.test"

var teamNames = []string{"Billing", "Technical", "Customer Success", "Sales"}

// inboxSpecs are six inboxes over the four channels; weight is each one's
// share of traffic, billing marks the inbox that only gets billing topics.
var inboxSpecs = []struct {
	name     string
	channel  model.Channel
	settings string
	weight   int
	billing  bool
}{
	{"Support email", model.ChannelEmail, `{"address":"support@brightwave.example"}`, 32, false},
	{"Billing email", model.ChannelEmail, `{"address":"billing@brightwave.example"}`, 12, true},
	{"Website chat", model.ChannelChat, `{"website":"https://brightwave.example","greeting":"Hi! How can we help?"}`, 22, false},
	{"In-app chat", model.ChannelChat, `{"website":"app://brightwave","greeting":"Ask us anything"}`, 14, false},
	{"WhatsApp bridge", model.ChannelAPI, `{"provider":"whatsapp","number":"+44 7700 900123"}`, 12, false},
	{"Phone line", model.ChannelPhone, `{"number":"+1 415 555 0100"}`, 8, false},
}

// generalTags go on any topic; topics add their own.
var generalTags = []string{"vip", "escalated", "follow-up", "churn-risk", "feedback", "bug", "known-issue",
	"urgent", "needs-engineering", "waiting-on-warehouse", "social-media", "complaint"}

var firstNames = []string{
	"Olivia", "Liam", "Emma", "Noah", "Sofia", "Lucas", "Mia", "Ethan", "Hannah", "Mateo",
	"Chloe", "Daniel", "Grace", "Omar", "Isabella", "Leo", "Zoe", "Ravi", "Amelia", "Kenji",
	"Nora", "Felix", "Lena", "Hugo", "Maya", "Arjun", "Clara", "Samuel", "Inès", "Yusuf",
	"Freya", "Diego", "Alice", "Tariq", "Julia", "Mohammed", "Ella", "Victor", "Anna", "Jamal",
	"Sara", "Benjamin", "Leila", "Oscar", "Emily", "Chen", "Fatima", "Rohan", "Charlotte", "Mikael",
	"Nadia", "Patrick", "Aiko", "Gabriel", "Ruth", "Tobias", "Helen", "Kwame", "Laura", "Andrei",
	"Jack", "Sophie", "Thomas", "Lucy", "Harry", "Ava", "George", "Isla", "William", "Ivy",
	"Mateusz", "Zofia", "Pedro", "Beatriz", "Lars", "Astrid", "Emre", "Elif", "Hiroshi", "Yuki",
	"Priya", "Aditya", "Chidi", "Amara", "Sean", "Siobhan", "Marco", "Giulia", "Jan", "Eva",
}

var lastNames = []string{
	"Johnson", "Müller", "Garcia", "Kowalski", "Nguyen", "O'Brien", "Rossi", "Andersen", "Patel", "Dubois",
	"Silva", "Kim", "Hughes", "Novak", "Haddad", "Jansen", "Murphy", "Schmidt", "Tanaka", "Fernández",
	"Larsen", "Walker", "Bianchi", "Cohen", "Mensah", "Reyes", "Fischer", "Lindgren", "Ahmed", "Costa",
	"Brennan", "Weber", "Sato", "Moreau", "Popescu", "Hall", "Yılmaz", "Vasquez", "Ward", "Petersen",
	"Kaur", "Romano", "Baker", "Okafor", "Svensson", "Ito", "Clarke", "Horvat", "Lopez", "Berg",
	"Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts", "Wright", "Green",
	"Nowak", "Wiśniewski", "Santos", "Oliveira", "Dijkstra", "de Vries", "Nielsen", "Hansen", "Kaya", "Demir",
	"Suzuki", "Watanabe", "Sharma", "Singh", "Adeyemi", "Eze", "Kelly", "Byrne", "Ricci", "Marino",
}

// Personal addresses use reserved example domains so that no generated
// reply can reach a real mailbox.
var personalDomains = []string{"example.com", "example.org", "example.net", "mail.example", "inbox.example", "post.example"}

// companies are the businesses behind VIP, lead and partner contacts.
var companies = []string{
	"Northpeak Interiors", "Harbor & Vine Hotel", "Cobalt Coworking", "Greenleaf Property", "Fjord Design Studio",
	"Summit Dental Group", "Riverside Lofts", "Maple Street Cafés", "Orbit Hostels", "Tidewater Realty",
	"Pine & Co Retail", "Lakeside Clinic", "Copperline Architects", "Bluebird Bakery", "Quarry Hill School",
	"Atlas Smart Homes", "Brightside Installers", "Kestrel Electrical", "Volt & Wire", "Nordic Light Shop",
	"CasaSmart", "HomeTech Store", "Lumen Electrical", "Redwood Apartments", "Silverline Gyms",
	"Canal Street Studios", "Meadow Care Homes", "Granite Office Park", "Sunset Holiday Lets", "Ironbridge Pubs",
}

var cities = []string{
	"London", "Manchester", "Dublin", "Amsterdam", "Berlin", "Hamburg", "Copenhagen", "Stockholm", "Lisbon", "Madrid",
	"Boston", "Austin", "Seattle", "Toronto", "Chicago", "Denver", "Melbourne", "Auckland", "Oslo", "Vienna",
	"Zurich", "Milan", "Warsaw", "Prague", "Brussels", "Edinburgh", "Leeds", "Vancouver", "Portland", "Sydney",
}

var products = []string{
	"Glow Bulb A19", "Glow Bulb E14", "Glow Bulb GU10", "Color Bulb BR30", "Filament Bulb ST64",
	"Light Strip 2m", "Light Strip 5m", "Brightwave Hub", "Hub Mini", "Bridge Pro",
	"Motion Sensor", "Door Sensor", "Window Sensor", "Leak Sensor", "Smart Plug",
	"Outdoor Plug", "Dimmer Switch", "Wall Remote", "Ceiling Panel 60", "Ceiling Panel 120",
	"Outdoor Spot", "Garden Path Light", "Desk Lamp Pro", "Floor Lamp Arc", "Starter Kit",
	"Sunrise Alarm", "Thermostat T2", "Smoke Alarm S1", "Camera C1 Indoor", "Camera C2 Outdoor",
	"Video Doorbell", "Range Extender", "Night Light", "Air Quality Monitor", "Keypad",
	"Siren", "Door Chime", "Solar Panel Kit", "Battery Pack", "Power Strip",
}

var prices = []string{"$9.99", "$14.99", "$19.99", "$24.99", "$29.99", "$34.99", "$44.99", "$49.00",
	"$59.99", "$79.00", "$89.99", "$99.00", "$129.00", "$149.00", "$189.00", "$249.00"}

var plans = []string{"Plus monthly", "Plus yearly", "Family", "Business", "Pro installer", "Free"}

var phones = []string{"Pixel 7", "Pixel 8a", "Samsung Galaxy S23", "Samsung Galaxy A54", "OnePlus 11", "Xiaomi 13",
	"iPhone 13", "iPhone 14 Pro", "iPhone 15", "iPhone SE", "iPad Air", "Motorola Edge", "Huawei P30", "Nothing Phone"}

var routers = []string{"Netgear Orbi", "TP-Link Deco", "Google Nest Wifi", "Eero Pro 6", "Fritz!Box 7590",
	"ASUS RT-AX88U", "Linksys Velop", "BT Smart Hub", "Virgin Hub 5", "Xfinity gateway", "Ubiquiti UniFi"}

var carriers = []string{"UPS", "DHL", "FedEx", "USPS", "Royal Mail", "DPD", "PostNL", "GLS", "Hermes", "Canada Post"}

var rooms = []string{"kitchen", "living room", "bedroom", "hallway", "garage", "garden", "office", "bathroom",
	"nursery", "porch", "basement", "stairwell", "dining room", "attic"}

var colors = []string{"warm white", "cool white", "red", "blue", "green", "purple", "amber", "daylight", "pink", "teal"}

var features = []string{"schedules", "scenes", "away mode", "geofencing", "voice control", "energy reports",
	"sunrise routines", "group control", "widgets", "shared access", "vacation mode", "motion automations",
	"the Apple Home integration", "the Google Home integration", "the Alexa skill", "IFTTT applets", "Matter pairing"}

var weekdays = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

var numberWords = []string{"two", "three", "four", "five", "six", "seven", "ten", "twelve", "fourteen"}

var months = []string{"January", "February", "March", "April", "May", "June", "July", "August",
	"September", "October", "November", "December"}

// topic is a kind of request with its team, tags and text. Customer
// sentences open a thread (asks) or continue it (details); agent sentences
// answer (answers) or settle it (fixes).
type topic struct {
	team     int
	weight   int
	billing  bool
	priority model.Priority
	tags     []string
	subjects []string
	asks     []string
	details  []string
	answers  []string
	fixes    []string
}

var topics = []topic{
	{team: 2, weight: 14, priority: model.PriorityNormal, tags: []string{"shipping", "delivery", "order"},
		subjects: []string{"Where is my order {order}?", "Order {order} hasn't arrived", "Delivery delayed again",
			"Package marked delivered but not here", "Tracking not updating for {order}", "When will my {product} ship?",
			"Wrong delivery address on order {order}", "Shipping to {city}"},
		asks: []string{
			"I ordered a {product} on {date} (order {order}) and it still hasn't arrived.",
			"The tracking for order {order} has said in transit with {carrier} for {days} days now.",
			"My parcel is marked as delivered but there is nothing at my door or with my neighbours.",
			"Could you tell me when order {order} will ship? The confirmation said two to three business days.",
			"I need to change the delivery address for order {order}, I'm moving to {city} next week.",
			"The {carrier} driver left a note but the depot says they have no parcel under {tracking}.",
			"I ordered two items but only the {product} arrived, the {product2} is missing from the box.",
			"Is there any way to get express shipping on order {order}? It's meant to be a birthday present.",
		},
		details: []string{
			"The tracking number is {tracking}.",
			"I checked with the neighbours and the building reception, nobody has it.",
			"The order number is {order}, placed with this email address.",
			"It was supposed to arrive by {weekday}.",
			"I've been home all day and nobody rang the bell.",
			"Any update on this? It has been {days} days.",
		},
		answers: []string{
			"I've checked order {order} and it left our warehouse on {date} with {carrier}, tracking {tracking}.",
			"{carrier} confirms the parcel is at their local depot, it should be out for delivery within one to two business days.",
			"I've opened a trace with {carrier} for {tracking}; they usually answer within 48 hours.",
			"Your order is still being packed, it should ship by {weekday} and I'll send you the tracking link as soon as it does.",
			"I've updated the delivery address on order {order}, the new label will be printed before it ships.",
		},
		fixes: []string{
			"Since the parcel is lost, I've sent a replacement {product} by express shipping at no cost, the new tracking number is {tracking}.",
			"{carrier} has found the parcel and it will be delivered on {weekday}.",
			"I've refunded the shipping cost of {amount} for the trouble.",
			"The missing {product2} is on its way in a separate parcel, it should arrive within three business days.",
		}},
	{team: 0, weight: 10, billing: true, priority: model.PriorityNormal, tags: []string{"refund", "returns"},
		subjects: []string{"Refund for returned {product}", "Still waiting for my refund", "Return request for order {order}",
			"How do I return my {product}?", "Refund not showing on my card", "Exchange {product} for a different size"},
		asks: []string{
			"I sent back my {product} {days} days ago (order {order}) and I haven't received a refund yet.",
			"I'd like to return the {product} from order {order}, it doesn't fit the fixture in my {room}.",
			"The {product} I received is the wrong model, can I exchange it for the {product2}?",
			"Can you confirm you received my return? The {carrier} tracking says it was delivered to your warehouse.",
			"I was told the refund would take five days but it has been two weeks.",
		},
		details: []string{
			"I used the prepaid return label, the tracking number is {tracking}.",
			"The original payment was by credit card, ending in {last4}.",
			"The box was unopened, I just changed my mind.",
			"My bank says nothing has come in from Brightwave.",
		},
		answers: []string{
			"Refunds are processed once the warehouse has checked the item, which usually takes three to five business days.",
			"I've created a return for order {order} and emailed you a prepaid {carrier} label.",
			"Could you send me the return tracking number so I can match the parcel with your order?",
			"Our warehouse received the {product} on {date}, it is in the queue to be checked.",
		},
		fixes: []string{
			"I've processed the refund of {amount} to your original payment method, it usually shows up within five to ten business days.",
			"The exchange is done: the {product2} ships today and you can keep the original box for the return.",
			"Your refund of {amount} was issued on {date}, your bank reference is RF{ref}.",
		}},
	{team: 0, weight: 11, billing: true, priority: model.PriorityHigh, tags: []string{"billing", "payment", "invoice"},
		subjects: []string{"Charged twice for my order", "Double charge on my card", "Invoice {invoice} is wrong",
			"Need an invoice with our VAT number", "Payment failed but money was taken", "Unexpected charge of {amount}"},
		asks: []string{
			"I was charged {amount} twice for order {order}, I only placed one order.",
			"There is a charge of {amount} from Brightwave on my statement that I don't recognise.",
			"Could you send us an invoice for order {order} with our company name and VAT number on it?",
			"The checkout said my payment failed, but {amount} was taken from my account anyway.",
			"Invoice {invoice} shows the wrong billing address, our accounting team can't book it.",
		},
		details: []string{
			"The card ends in {last4} and both charges are from {date}.",
			"Our VAT ID is {vat}, the company is {company}.",
			"It's not pending, both charges are booked.",
			"I've attached a screenshot of the bank statement.",
		},
		answers: []string{
			"Sometimes the bank shows a pre-authorisation that drops off by itself within three to five days.",
			"I can see order {order} on our side; could you tell me the last four digits of the card?",
			"I've asked our payment provider to check both captures for order {order}.",
			"I've updated the billing details on your account so all future invoices will use them.",
		},
		fixes: []string{
			"The payment went through twice because of a timeout at checkout, I've refunded the duplicate {amount}.",
			"Here's the corrected invoice {invoice} with your company details attached.",
			"The failed payment was reversed by our provider, the {amount} will be back on your card within a few days.",
		}},
	{team: 0, weight: 7, billing: true, priority: model.PriorityNormal, tags: []string{"subscription", "billing", "cancellation"},
		subjects: []string{"Cancel my Brightwave Plus subscription", "Upgrade to the {plan} plan", "Subscription renewed without notice",
			"Question about the {plan} plan", "Downgrade my plan"},
		asks: []string{
			"Please cancel my Brightwave Plus subscription, I'm not using {feature} enough to justify it.",
			"My subscription renewed for {amount} without any reminder email.",
			"What's the difference between the {plan} plan and the one I have now?",
			"I'd like to move our account to the {plan} plan, we now have {days} locations.",
			"Do I lose my scenes and schedules if I go back to the free plan?",
		},
		details: []string{
			"The account email is the one I'm writing from.",
			"I'd rather not lose {feature}, is there a cheaper option?",
			"Please go ahead and cancel anyway.",
		},
		answers: []string{
			"Before I cancel it: is there anything that didn't work the way you expected? I can offer three months at half price.",
			"The {plan} plan includes {feature}, unlimited scenes and priority support.",
			"Your lights, scenes and schedules stay exactly as they are on the free plan.",
		},
		fixes: []string{
			"Your subscription is cancelled and won't renew, you'll keep Plus features until the end of the billing period.",
			"I've moved your account to the {plan} plan, the price difference of {amount} will be on the next invoice.",
			"I've refunded the renewal of {amount} and turned off automatic renewal.",
		}},
	{team: 1, weight: 16, priority: model.PriorityNormal, tags: []string{"setup", "wifi", "connectivity", "pairing"},
		subjects: []string{"{product} won't connect to wifi", "Can't pair {product} with the hub", "Hub offline since {weekday}",
			"Lights unresponsive in the app", "Setup fails at the last step", "{product} keeps disconnecting"},
		asks: []string{
			"My {product} won't connect to my wifi, the app gets stuck on searching for devices.",
			"Since {weekday} the hub shows as offline and none of the lights in the {room} respond.",
			"I can't pair the {product} with the Brightwave Hub, the light just keeps blinking {color}.",
			"The setup fails at the last step with error {error}.",
			"Every evening around the same time the {product} drops off the network for a few minutes.",
			"I have a {router} and the {product} only sees the 5 GHz network.",
		},
		details: []string{
			"I have a {router} and I'm using the app on a {device}.",
			"I already tried restarting the router and the hub, it didn't help.",
			"The app version is {version} and the hub firmware is {firmware}.",
			"The light blinks {color} three times and then stops.",
			"It worked fine until the last update.",
			"It's about {days} metres from the router, through one wall.",
		},
		answers: []string{
			"The {product} only works on 2.4 GHz networks; could you check whether your {router} has a separate 2.4 GHz band?",
			"Could you send me a screenshot of the settings page and the exact error you see?",
			"Please try a factory reset: switch the {product} off and on five times, it will blink {color} when it's ready.",
			"This looks like the {router} band steering issue, turning off smart connect for setup usually helps.",
			"Can you tell me which firmware the hub shows under Settings, About?",
		},
		fixes: []string{
			"Firmware {firmware} fixes the disconnects, I've pushed it to your hub and it should update tonight.",
			"After the reset the {product} should show up in the app again; if not, reply here and we'll replace it.",
			"Giving the hub a fixed IP address on the {router} solves it, here are the steps for your model.",
			"I've reset the pairing on our side, please open the app and add the {product} again.",
		}},
	{team: 1, weight: 9, priority: model.PriorityHigh, tags: []string{"app", "bug", "crash"},
		subjects: []string{"App crashes on {device}", "App version {version} won't open", "Schedules stopped working",
			"Error {error} in the app", "Widget shows wrong status", "Automations run twice"},
		asks: []string{
			"Since updating to version {version} the app crashes as soon as I open the {room} group.",
			"My schedules stopped working, the lights no longer turn on at sunset.",
			"The app shows error {error} whenever I try to edit a scene.",
			"{feature} triggers twice, the lights switch off and on again.",
			"The home screen widget shows the lights as on when they are off.",
		},
		details: []string{
			"I'm on a {device} with the latest system update.",
			"I reinstalled the app and it still happens.",
			"It happens with every scene that includes the {product}.",
			"The crash happens every time, I can reproduce it.",
		},
		answers: []string{
			"Thanks for the details, this matches a bug our engineers are fixing in version {version}.",
			"Could you send the diagnostic report from Settings, Help, Send logs? It includes your app version.",
			"As a workaround, removing and re-adding the {product} to the scene avoids the crash.",
			"I've passed this to engineering as {ticket}, I'll update you as soon as I hear back.",
		},
		fixes: []string{
			"Version {version} is now in the app store and fixes the crash, please update and let me know.",
			"The fix for {feature} is live on our servers, no update needed on your side.",
			"Engineering fixed the schedule bug in firmware {firmware}, your hub has already updated.",
		}},
	{team: 1, weight: 8, priority: model.PriorityNormal, tags: []string{"warranty", "defect", "replacement"},
		subjects: []string{"{product} stopped working", "Flickering {product}", "Warranty claim for {product}",
			"{product} arrived broken", "Buzzing noise from {product}"},
		asks: []string{
			"My {product} stopped working after {days} months, it doesn't turn on at all.",
			"The {product} in our {room} flickers when dimmed below 30 percent.",
			"The {product} arrived with a cracked cover, order {order}.",
			"There's a faint buzzing noise from the {product} whenever it is on.",
			"I'd like to make a warranty claim, the {product} is about a year old.",
		},
		details: []string{
			"I've attached a photo of the damage and the serial number {serial}.",
			"It's connected to a {product2} in the same circuit.",
			"I bought it on {date} from your website.",
		},
		answers: []string{
			"The {product} has a two-year warranty, so you're covered.",
			"Could you send me the serial number from the sticker on the base?",
			"Flickering at low brightness is usually caused by an older dimmer on the circuit; do you have one installed?",
		},
		fixes: []string{
			"I've arranged a free replacement {product}, it ships today with tracking {tracking}; no need to return the faulty one.",
			"A replacement is on its way, please use the enclosed label to send back the old {product}.",
			"Setting the minimum brightness to 10 percent in the app stops the flicker, and I've sent a replacement just in case.",
		}},
	{team: 2, weight: 8, priority: model.PriorityNormal, tags: []string{"account", "login", "password"},
		subjects: []string{"Can't log in to my account", "Password reset email never arrives", "Change the email on my account",
			"Two-factor code not working", "Share access with my family", "Delete my account"},
		asks: []string{
			"I can't log in, the app says my password is wrong even after resetting it.",
			"The password reset email never arrives, I've checked my spam folder.",
			"How do I change the email address on my account?",
			"My two-factor codes are rejected since I got a new {device}.",
			"I'd like to give my partner access to the lights without sharing my password.",
			"Please delete my account and all my data.",
		},
		details: []string{
			"My account email is the one I'm writing from.",
			"I tried on the website and in the app on my {device}.",
			"The new address should be the one in this message.",
		},
		answers: []string{
			"I've sent a new reset link; it's valid for one hour.",
			"Shared access is under Settings, Home, Members; your partner gets an invitation by email.",
			"For security, could you confirm the last order number on the account?",
		},
		fixes: []string{
			"I've reset two-factor on your account, you can set it up again on your new {device}.",
			"Your account email is updated, you'll get a confirmation at the new address.",
			"Your account and data are deleted, this can't be undone; thanks for having been a customer.",
		}},
	{team: 3, weight: 7, priority: model.PriorityHigh, tags: []string{"sales", "quote", "partner", "bulk-order"},
		subjects: []string{"Quote for {days} hundred bulbs", "Partner pricing", "Bulk order for our offices in {city}",
			"Becoming a Brightwave installer", "Volume discount for {company}"},
		asks: []string{
			"We're fitting out {days} floors of offices in {city} and need a quote for the {product} and hubs.",
			"We're an installer in {city} and would like to become a Brightwave partner.",
			"Could you send us your volume pricing for the {product}?",
			"We need {days} hundred {product} units delivered before {month}, is that possible?",
		},
		details: []string{
			"The order would go to {company}, {city}.",
			"We'd also need the {product2} for the meeting rooms.",
			"Our budget is around {amount} per room.",
		},
		answers: []string{
			"Thanks for your interest, I've attached our partner price list and the installer terms.",
			"For orders above one hundred units we offer 15 percent off and free delivery.",
			"Could you tell me how many rooms and which fittings you have, so I can put the quote together?",
		},
		fixes: []string{
			"Here's your quote {invoice}, valid for thirty days; reply to this email to confirm the order.",
			"Your partner account is active, you'll find the installer portal at partners.brightwave.example.",
			"The order is confirmed and scheduled for delivery in {month}.",
		}},
	{team: 2, weight: 6, priority: model.PriorityLow, tags: []string{"feature-request", "feedback"},
		subjects: []string{"Feature request: {feature}", "Suggestion for the app", "Will the {product} support Matter?",
			"Dark mode please", "Feedback on the new update"},
		asks: []string{
			"It would be great if {feature} worked with the {product}.",
			"Are there plans for {feature} on the {product}?",
			"The new update moved the scenes to a different tab, I liked the old layout better.",
			"Please add a dark mode to the app, it's very bright at night.",
		},
		details: []string{
			"I use the {product} in the {room} every evening.",
			"Other apps I use already have this.",
		},
		answers: []string{
			"Thanks for the suggestion, I've shared it with our product team.",
			"{feature} for the {product} is on our roadmap for later this year.",
			"You can vote for the idea on our community board, the team reads it every week.",
		},
		fixes: []string{
			"Good news: {feature} now works with the {product} in version {version}.",
			"I've added your vote to the request, we'll let you know when it ships.",
		}},
	{team: 1, weight: 4, priority: model.PriorityUrgent, tags: []string{"outage", "known-issue", "connectivity"},
		subjects: []string{"All lights offline", "Cloud outage?", "App says service unavailable", "Nothing responds since this morning"},
		asks: []string{
			"None of my lights respond and the app says service unavailable.",
			"Is there an outage? Everything in the house shows as offline since this morning.",
			"Our whole office lost control of the lights, this is urgent.",
		},
		details: []string{
			"Local control with the wall switches still works.",
			"It's the same for my neighbour who also has Brightwave.",
		},
		answers: []string{
			"We're seeing a cloud outage affecting some customers in your region; the team is working on it.",
			"Local control keeps working during the outage, schedules run on the hub.",
		},
		fixes: []string{
			"The outage is resolved and all services are back; your lights should respond again.",
			"Everything is back to normal, sorry for the disruption; we'll publish a full report on our status page.",
		}},
}

// Sentences that fit any topic, for the text around the topic's own.
var (
	customerGreetings = []string{"Hi,", "Hello,", "Hi there,", "Good morning,", "Hello Brightwave team,", "Dear support,", "Hey,", "Good afternoon,"}
	customerFillers   = []string{
		"I have already tried restarting everything.",
		"This is the second time this has happened.",
		"I really like the products otherwise.",
		"I need this sorted out before the weekend.",
		"Please let me know what you need from me.",
		"I've been a customer for {days} years and never had a problem before.",
		"My partner is getting frustrated with the whole setup.",
		"I looked through the help center but couldn't find anything about it.",
		"I'm not very technical, so simple steps would help.",
		"I'd appreciate a quick answer, thank you.",
		"We have guests coming on {weekday}.",
		"I spoke to someone on the phone last week but nothing happened.",
	}
	customerSignoffs = []string{"Thanks,", "Thank you,", "Best regards,", "Cheers,", "Kind regards,", "Many thanks,", "Thanks in advance,"}
	chatFollowups    = []string{"any update?", "hello?", "ok thanks", "still there?", "ok, trying that now", "that didn't work", "great, thank you!", "one sec"}
	agentGreetings   = []string{"Hi {name},", "Hello {name},", "Hi {name}, thanks for reaching out.", "Thanks for getting in touch, {name}.", "Hi {name}, sorry for the trouble."}
	agentFillers     = []string{
		"Sorry for the inconvenience.",
		"Thanks for your patience while I looked into this.",
		"Let me know if there's anything else I can help with.",
		"I've added a note to your account so the team knows the background.",
		"If anything else comes up, just reply to this message.",
		"I completely understand how annoying that is.",
		"I've checked your account and everything else looks fine.",
		"I'll keep this conversation open until we've confirmed it works.",
	}
	agentSignoffs = []string{"Best,", "Kind regards,", "Thanks,", "All the best,", "Cheers,"}
	notes         = []string{
		"Checked the logs: hub {serial} dropped offline {days} times since {date}.",
		"Customer is on the {plan} plan; refund approved up to {amount}.",
		"Known issue with firmware {firmware}, see {ticket}.",
		"Escalating to the Technical team, the usual steps didn't help.",
		"Second contact about order {order}; offer express shipping on the replacement.",
		"VIP account, keep {name} updated daily.",
		"Warehouse confirms the parcel left on {date}.",
		"Payment provider shows two captures for {order}, refund in progress.",
		"Asked engineering in {ticket} whether this is related to {version}.",
		"Possible duplicate of an earlier conversation with the same customer.",
	}
)

#include "datagen/catalog.h"

namespace shoal::datagen {
namespace {

// Real cities with their centres; postal patterns give plausible codes of each country's shape
// (US ZIP, Irish Eircode, Indian PIN). Each region's cities share its time zone, because an
// address's timezone field is the region's (as in the reference).
constexpr City kUsEastCities[] = {
    {"New York", "New York", 40.7128, -74.0060, "100##"},
    {"Brooklyn", "New York", 40.6782, -73.9442, "112##"},
    {"Buffalo", "New York", 42.8864, -78.8784, "142##"},
    {"Boston", "Massachusetts", 42.3601, -71.0589, "021##"},
    {"Philadelphia", "Pennsylvania", 39.9526, -75.1652, "191##"},
    {"Pittsburgh", "Pennsylvania", 40.4406, -79.9959, "152##"},
    {"Washington", "District of Columbia", 38.9072, -77.0369, "200##"},
    {"Baltimore", "Maryland", 39.2904, -76.6122, "212##"},
    {"Richmond", "Virginia", 37.5407, -77.4360, "232##"},
    {"Charlotte", "North Carolina", 35.2271, -80.8431, "282##"},
    {"Raleigh", "North Carolina", 35.7796, -78.6382, "276##"},
    {"Atlanta", "Georgia", 33.7490, -84.3880, "303##"},
    {"Miami", "Florida", 25.7617, -80.1918, "331##"},
    {"Orlando", "Florida", 28.5383, -81.3792, "328##"},
    {"Tampa", "Florida", 27.9506, -82.4572, "336##"},
    {"Jacksonville", "Florida", 30.3322, -81.6557, "322##"},
    {"Newark", "New Jersey", 40.7357, -74.1724, "071##"},
    {"Hartford", "Connecticut", 41.7658, -72.6734, "061##"},
    {"Providence", "Rhode Island", 41.8240, -71.4128, "029##"},
    {"Cleveland", "Ohio", 41.4993, -81.6944, "441##"},
    {"Columbus", "Ohio", 39.9612, -82.9988, "432##"},
    {"Detroit", "Michigan", 42.3314, -83.0458, "482##"},
    {"Charleston", "South Carolina", 32.7765, -79.9311, "294##"},
    {"Portland", "Maine", 43.6591, -70.2568, "041##"},
};

constexpr City kUsWestCities[] = {
    {"Los Angeles", "California", 34.0522, -118.2437, "900##"},
    {"San Francisco", "California", 37.7749, -122.4194, "941##"},
    {"San Diego", "California", 32.7157, -117.1611, "921##"},
    {"San Jose", "California", 37.3382, -121.8863, "951##"},
    {"Sacramento", "California", 38.5816, -121.4944, "958##"},
    {"Fresno", "California", 36.7378, -119.7871, "937##"},
    {"Oakland", "California", 37.8044, -122.2712, "946##"},
    {"Seattle", "Washington", 47.6062, -122.3321, "981##"},
    {"Spokane", "Washington", 47.6588, -117.4260, "992##"},
    {"Portland", "Oregon", 45.5152, -122.6784, "972##"},
    {"Eugene", "Oregon", 44.0521, -123.0868, "974##"},
    {"Las Vegas", "Nevada", 36.1699, -115.1398, "891##"},
    {"Reno", "Nevada", 39.5296, -119.8138, "895##"},
};

constexpr City kEuWestCities[] = {
    {"Dublin", "County Dublin", 53.3498, -6.2603, "D02 @###"},
    {"Dublin", "County Dublin", 53.3302, -6.2446, "D04 @###"},
    {"Dublin", "County Dublin", 53.3390, -6.2900, "D08 @###"},
    {"Swords", "County Dublin", 53.4597, -6.2181, "K67 @###"},
    {"Cork", "County Cork", 51.8985, -8.4756, "T12 @###"},
    {"Galway", "County Galway", 53.2707, -9.0568, "H91 @###"},
    {"Limerick", "County Limerick", 52.6638, -8.6267, "V94 @###"},
    {"Waterford", "County Waterford", 52.2593, -7.1101, "X91 @###"},
    {"Kilkenny", "County Kilkenny", 52.6541, -7.2448, "R95 @###"},
    {"Drogheda", "County Louth", 53.7179, -6.3561, "A92 @###"},
    {"Dundalk", "County Louth", 54.0090, -6.4049, "A91 @###"},
    {"Sligo", "County Sligo", 54.2766, -8.4761, "F91 @###"},
    {"Athlone", "County Westmeath", 53.4239, -7.9407, "N37 @###"},
    {"Wexford", "County Wexford", 52.3369, -6.4633, "Y35 @###"},
    {"Ennis", "County Clare", 52.8436, -8.9864, "V95 @###"},
    {"Tralee", "County Kerry", 52.2713, -9.6999, "V92 @###"},
    {"Letterkenny", "County Donegal", 54.9558, -7.7342, "F92 @###"},
    {"Navan", "County Meath", 53.6528, -6.6814, "C15 @###"},
    {"Carlow", "County Carlow", 52.8408, -6.9261, "R93 @###"},
    {"Naas", "County Kildare", 53.2159, -6.6669, "W91 @###"},
    {"Bray", "County Wicklow", 53.2028, -6.0983, "A98 @###"},
};

constexpr City kApSouthCities[] = {
    {"Mumbai", "Maharashtra", 19.0760, 72.8777, "4000##"},
    {"Pune", "Maharashtra", 18.5204, 73.8567, "4110##"},
    {"Nagpur", "Maharashtra", 21.1458, 79.0882, "4400##"},
    {"Delhi", "Delhi", 28.7041, 77.1025, "1100##"},
    {"Bengaluru", "Karnataka", 12.9716, 77.5946, "5600##"},
    {"Hyderabad", "Telangana", 17.3850, 78.4867, "5000##"},
    {"Chennai", "Tamil Nadu", 13.0827, 80.2707, "6000##"},
    {"Coimbatore", "Tamil Nadu", 11.0168, 76.9558, "6410##"},
    {"Kolkata", "West Bengal", 22.5726, 88.3639, "7000##"},
    {"Ahmedabad", "Gujarat", 23.0225, 72.5714, "3800##"},
    {"Surat", "Gujarat", 21.1702, 72.8311, "3950##"},
    {"Jaipur", "Rajasthan", 26.9124, 75.7873, "3020##"},
    {"Lucknow", "Uttar Pradesh", 26.8467, 80.9462, "2260##"},
    {"Kochi", "Kerala", 9.9312, 76.2673, "6820##"},
    {"Chandigarh", "Chandigarh", 30.7333, 76.7794, "1600##"},
    {"Indore", "Madhya Pradesh", 22.7196, 75.8577, "4520##"},
    {"Bhopal", "Madhya Pradesh", 23.2599, 77.4126, "4620##"},
    {"Patna", "Bihar", 25.5941, 85.1376, "8000##"},
};

constexpr std::string_view kUsStreetNames[] = {
    "Oak",    "Maple",  "Cedar",   "Pine",      "Elm",      "Washington", "Lake",     "Hill",
    "Park",   "Main",   "Church",  "Sunset",    "Highland", "River",      "Spring",   "Ridge",
    "Forest", "Meadow", "Lincoln", "Jefferson", "Madison",  "Franklin",   "Chestnut", "Walnut",
    "Willow", "Birch",  "Center",  "Union",     "Mill",     "Bridge",     "Jackson",  "Adams"};
constexpr std::string_view kUsStreetSuffixes[] = {
    "Street", "Avenue", "Road", "Lane", "Drive", "Court", "Way", "Boulevard", "Place", "Terrace"};
constexpr std::string_view kIeStreetNames[] = {
    "Main",    "Church",  "Bridge", "Castle",  "Abbey",     "Mill",    "Green",
    "Harbour", "Station", "Market", "Patrick", "O'Connell", "Parnell", "Grafton",
    "Dame",    "Mary",    "Henry",  "Dorset",  "Pearse",    "Shop"};
constexpr std::string_view kIeStreetSuffixes[] = {"Street", "Road",   "Avenue", "Lane",  "Terrace",
                                                  "Park",   "Square", "Quay",   "Place", "Hill"};
constexpr std::string_view kInStreetNames[] = {
    "MG",     "Nehru",  "Gandhi",  "Station",  "Temple",    "Lake",
    "Church", "Market", "Tilak",   "Patel",    "Subhash",   "Ashoka",
    "Rajaji", "Netaji", "Shivaji", "Ambedkar", "Residency", "Brigade"};
constexpr std::string_view kInStreetSuffixes[] = {"Road", "Marg",   "Street", "Nagar",
                                                  "Lane", "Colony", "Layout", "Cross Road"};

constexpr StreetStyle kUsStreets = {kUsStreetNames, kUsStreetSuffixes, "Apt.", 9999};
constexpr StreetStyle kIeStreets = {kIeStreetNames, kIeStreetSuffixes, "Apartment", 199};
constexpr StreetStyle kInStreets = {kInStreetNames, kInStreetSuffixes, "Flat", 999};

constexpr std::string_view kFirstNames[] = {
    "james",   "mary",    "john",    "patricia", "robert",  "jennifer", "michael", "linda",
    "david",   "barbara", "william", "susan",    "richard", "jessica",  "joseph",  "sarah",
    "thomas",  "karen",   "charles", "lisa",     "daniel",  "nancy",    "matthew", "betty",
    "anthony", "sandra",  "mark",    "ashley",   "sean",    "aoife",    "ciara",   "niamh",
    "conor",   "siobhan", "liam",    "emma",     "aarav",   "priya",    "rohan",   "ananya",
    "vivaan",  "diya",    "arjun",   "isha",     "kabir",   "meera",    "vikram",  "neha"};
constexpr std::string_view kLastNames[] = {
    "smith",     "johnson",  "williams",  "brown",    "jones",     "garcia",   "miller", "davis",
    "rodriguez", "martinez", "hernandez", "lopez",    "wilson",    "anderson", "thomas", "taylor",
    "moore",     "jackson",  "martin",    "lee",      "murphy",    "kelly",    "byrne",  "ryan",
    "walsh",     "obrien",   "doyle",     "mccarthy", "gallagher", "kennedy",  "sharma", "patel",
    "singh",     "kumar",    "gupta",     "reddy",    "iyer",      "nair",     "mehta",  "joshi",
    "rao",       "das",      "chopra",    "bose",     "kapoor",    "malhotra", "verma",  "pillai"};
// Reserved example domains (RFC 2606): generated addresses can never reach a real mailbox.
constexpr std::string_view kEmailDomains[] = {"example.com", "example.net", "example.org"};
constexpr std::string_view kColors[] = {
    "Black", "White",  "Red",  "Blue", "Green", "Yellow", "Orange", "Purple", "Pink",  "Brown",
    "Gray",  "Silver", "Gold", "Navy", "Teal",  "Maroon", "Olive",  "Coral",  "Ivory", "Beige"};
constexpr std::string_view kWords[] = {"modern",   "classic", "premium",   "compact", "smart",
                                       "portable", "deluxe",  "eco",       "ultra",   "vintage",
                                       "rugged",   "sleek",   "essential", "pro",     "lite",
                                       "soft",     "durable", "wireless",  "organic", "handmade"};

// Boxes drawn a little wider than the cities plus their jitter.
const std::array<Region, kRegionCount> kRegions = {{
    {"us-east", "United States", "America/New_York", -5 * 60, kUsEastCities, &kUsStreets, 24.0,
     48.0, -90.0, -66.0},
    {"us-west", "United States", "America/Los_Angeles", -8 * 60, kUsWestCities, &kUsStreets, 31.0,
     49.0, -125.0, -113.0},
    {"eu-west", "Ireland", "Europe/Dublin", 0, kEuWestCities, &kIeStreets, 51.3, 55.5, -10.7, -5.9},
    {"ap-south", "India", "Asia/Kolkata", 5 * 60 + 30, kApSouthCities, &kInStreets, 8.0, 32.0, 68.0,
     90.0},
}};

}  // namespace

const std::array<Region, kRegionCount>& Regions() { return kRegions; }

std::span<const std::string_view> FirstNames() { return kFirstNames; }
std::span<const std::string_view> LastNames() { return kLastNames; }
std::span<const std::string_view> EmailDomains() { return kEmailDomains; }
std::span<const std::string_view> ProductColors() { return kColors; }
std::span<const std::string_view> ProductWords() { return kWords; }

ProductCatalog::ProductCatalog(uint64_t seed, int size) {
  Rng rng(Mix(seed, 0x70726f6475637473ULL));  // "products"
  products_.reserve(static_cast<size_t>(size));
  for (int i = 0; i < size; ++i) {
    Product product;
    product.id = MakeUuid(rng.Next(), rng.Next());
    product.category = static_cast<int>(rng.Below(kCategories.size()));
    std::string_view category = kCategories[static_cast<size_t>(product.category)];
    if (category.ends_with('s')) category.remove_suffix(1);
    product.name = std::string(kColors[rng.Below(std::size(kColors))]) + " " +
                   std::string(kWords[rng.Below(std::size(kWords))]) + " " + std::string(category);
    product.price_cents = 1000 + static_cast<int64_t>(rng.Below(100000 - 1000 + 1));
    products_.push_back(std::move(product));
  }
}

}  // namespace shoal::datagen

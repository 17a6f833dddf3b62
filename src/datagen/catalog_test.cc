#include "datagen/catalog.h"

#include <set>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace shoal::datagen {
namespace {

// The writers copy catalog text into JSON and CSV unescaped; this is what makes that safe.
void ExpectPlainText(std::string_view text) {
  EXPECT_FALSE(text.empty());
  for (const char c : text) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != ',')
        << "unsafe character in '" << text << "'";
  }
}

TEST(CatalogTest, AllTextIsSafeToCopyUnescaped) {
  for (const Region& region : Regions()) {
    ExpectPlainText(region.name);
    ExpectPlainText(region.country);
    ExpectPlainText(region.timezone);
    for (const City& city : region.cities) {
      ExpectPlainText(city.name);
      ExpectPlainText(city.state);
      ExpectPlainText(city.postal_pattern);
    }
    for (std::string_view s : region.streets->names) ExpectPlainText(s);
    for (std::string_view s : region.streets->suffixes) ExpectPlainText(s);
    ExpectPlainText(region.streets->secondary);
  }
  for (std::string_view s : FirstNames()) ExpectPlainText(s);
  for (std::string_view s : LastNames()) ExpectPlainText(s);
  for (std::string_view s : EmailDomains()) ExpectPlainText(s);
  const ProductCatalog catalog(42);
  for (const Product& p : catalog.products()) ExpectPlainText(p.name);
}

TEST(CatalogTest, EmailNamesAreLowerCaseLetters) {
  // Digits end an email's local part, so names must not contain any.
  for (auto names : {FirstNames(), LastNames()}) {
    for (std::string_view name : names) {
      for (const char c : name) EXPECT_TRUE(c >= 'a' && c <= 'z') << name;
    }
  }
}

TEST(CatalogTest, CitiesWithTheirJitterStayInsideTheRegionBox) {
  for (const Region& region : Regions()) {
    EXPECT_FALSE(region.cities.empty());
    for (const City& city : region.cities) {
      EXPECT_GE(city.latitude - kCityJitterLatitude, region.min_latitude) << city.name;
      EXPECT_LE(city.latitude + kCityJitterLatitude, region.max_latitude) << city.name;
      EXPECT_GE(city.longitude - kCityJitterLongitude, region.min_longitude) << city.name;
      EXPECT_LE(city.longitude + kCityJitterLongitude, region.max_longitude) << city.name;
    }
  }
}

TEST(CatalogTest, RegionsInCanonicalOrder) {
  const auto& regions = Regions();
  EXPECT_EQ(regions[0].name, "us-east");
  EXPECT_EQ(regions[1].name, "us-west");
  EXPECT_EQ(regions[2].name, "eu-west");
  EXPECT_EQ(regions[3].name, "ap-south");
  EXPECT_EQ(regions[2].country, "Ireland");
  EXPECT_EQ(regions[3].timezone, "Asia/Kolkata");
}

TEST(CatalogTest, ProductsFollowTheReferenceShape) {
  const ProductCatalog catalog(42);
  ASSERT_EQ(catalog.products().size(), 1000u);
  std::set<int> categories;
  for (const Product& p : catalog.products()) {
    EXPECT_GE(p.price_cents, 1000);
    EXPECT_LE(p.price_cents, 100000);
    categories.insert(p.category);
    std::string_view category = kCategories[static_cast<size_t>(p.category)];
    if (category.ends_with('s')) category.remove_suffix(1);
    EXPECT_TRUE(std::string_view(p.name).ends_with(" " + std::string(category))) << p.name;
  }
  EXPECT_EQ(categories.size(), kCategories.size());
}

TEST(CatalogTest, ProductsDependOnTheSeedOnly) {
  const ProductCatalog a(42), b(42), c(7);
  EXPECT_EQ(a.products()[17].name, b.products()[17].name);
  EXPECT_EQ(a.products()[17].id.hi, b.products()[17].id.hi);
  EXPECT_NE(a.products()[17].id.hi, c.products()[17].id.hi);
}

}  // namespace
}  // namespace shoal::datagen

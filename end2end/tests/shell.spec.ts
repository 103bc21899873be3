import { test, expect } from "@playwright/test";
import { hydrated } from "./helpers";

test.use({ locale: "zh-CN", viewport: { width: 375, height: 800 } });

test("the landing page speaks Chinese, switches to English and back", async ({ page }) => {
  await page.goto("/");
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("合规地开通支付接口");
  await expect(page.getByRole("link", { name: "注册企业账户" })).toBeVisible();

  // On a phone the navigation is collapsed until scripts run; the switch is a plain link.
  const toggle = page.getByRole("button", { name: "菜单" });
  await page.goto("/lang/en?next=/");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Open a payment interface, the compliant way");

  // The choice is remembered on the next page.
  await page.goto("/login");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Log in");
  await page.goto("/lang/zh-CN?next=/login");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("登录");
  await expect(toggle).toHaveCount(1);
});

test("the page hydrates: the menu opens and the language link works @js-only", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await page.goto("/");
  await hydrated(page);
  const toggle = page.getByRole("button", { name: "菜单" });
  await expect(toggle).toHaveAttribute("aria-expanded", "false");
  await expect(page.locator("#site-nav")).toBeHidden();
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-expanded", "true");
  await expect(page.locator("#site-nav")).toBeVisible();
  await page.getByRole("link", { name: "English" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByRole("button", { name: "Menu" })).toBeVisible();
  await hydrated(page);
  expect(errors, errors.join("\n")).toEqual([]);
});

test("an unknown page is a 404 with a way home", async ({ page }) => {
  const resp = await page.goto("/no/such/page");
  expect(resp?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("页面不存在");
  await page.getByRole("link", { name: "返回首页" }).click();
  await expect(page).toHaveURL(/\/$/);
});

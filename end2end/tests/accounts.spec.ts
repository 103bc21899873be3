import { test, expect } from "@playwright/test";
import { hydrated, linkFromMail, totp, uniqueEmail } from "./helpers";

test.use({ locale: "zh-CN" });

const PASSWORD = "violet orbit kettle 42";

test("a merchant registers, verifies by the emailed link, logs in and out", async ({ page, javaScriptEnabled }) => {
  const email = uniqueEmail(javaScriptEnabled ? "js" : "nojs");
  await page.goto("/register");
  if (javaScriptEnabled) await hydrated(page);
  await page.getByLabel("机构名称").fill("杭州端到端测试有限公司");
  await page.getByLabel("您的姓名").fill("韩梅梅");
  await page.getByLabel("邮箱").fill(email);
  await page.getByLabel("手机号").fill("13900000000");
  // A too-short password first: the field says why, the other fields keep their values.
  await page.getByLabel("密码", { exact: true }).fill("short");
  await page.getByLabel("再次输入密码").fill("short");
  await page.getByRole("button", { name: "创建账户" }).click();
  await expect(page.getByText("密码至少 12 个字符。")).toBeVisible();
  await expect(page.getByLabel("邮箱")).toHaveValue(email);

  await page.getByLabel("密码", { exact: true }).fill(PASSWORD);
  await page.getByLabel("再次输入密码").fill(PASSWORD);
  await page.getByRole("button", { name: "创建账户" }).click();
  await expect(page.getByRole("heading", { name: "请查收邮件" })).toBeVisible();

  const link = await linkFromMail(email, "/verify-email?token=");
  await page.goto(link);
  await page.getByRole("button", { name: "验证邮箱" }).click();
  await expect(page.getByRole("heading", { name: "邮箱已验证" })).toBeVisible();

  await page.goto("/login");
  if (javaScriptEnabled) await hydrated(page);
  await page.getByLabel("邮箱").fill(email);
  await page.getByLabel("密码").fill("wrong password here");
  await page.getByRole("button", { name: "登录" }).last().click();
  await expect(page.getByText("邮箱或密码错误。")).toBeVisible();
  await page.getByLabel("邮箱").fill(email);
  await page.getByLabel("密码").fill(PASSWORD);
  await page.getByRole("button", { name: "登录" }).last().click();
  // A merchant lands on the portal, with a draft application waiting.
  await expect(page).toHaveURL(/\/portal$/);
  await expect(page.locator('[data-state="draft"]').first()).toBeVisible();
  await page.goto("/account");
  await expect(page.getByRole("heading", { name: "我的账户" })).toBeVisible();
  await expect(page.getByText("杭州端到端测试有限公司")).toBeVisible();
  if (javaScriptEnabled) await hydrated(page);

  await page.getByRole("button", { name: "退出", exact: true }).click();
  await expect(page.getByText("您已退出登录。")).toBeVisible();
  // Signed out means signed out.
  await page.goto("/account");
  await expect(page).toHaveURL(/\/login\?next=\/account$/);
  // Logging in from there returns to the page asked for.
  if (javaScriptEnabled) await hydrated(page);
  await page.getByLabel("邮箱").fill(email);
  await page.getByLabel("密码").fill(PASSWORD);
  await page.getByRole("button", { name: "登录" }).last().click();
  await expect(page).toHaveURL(/\/account$/);
});

test("a staff member enrols TOTP and logs in with the second factor @js-only", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("邮箱").fill("admin@gatehouse.test");
  await page.getByLabel("密码").fill("gatehouse-demo-2026");
  await page.getByRole("button", { name: "登录" }).last().click();
  // Admins land on the user list.
  await expect(page).toHaveURL(/\/admin\/users$/);
  await page.goto("/account");
  await page.getByRole("link", { name: "设置两步验证" }).click();
  const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await hydrated(page);
  await page.getByLabel("验证码").fill(totp(secret));
  await page.getByRole("button", { name: "确认" }).click();
  await expect(page.getByRole("heading", { name: "您的恢复码" })).toBeVisible();
  await expect(page.getByTestId("recovery-codes").locator("li")).toHaveCount(10);

  await page.goto("/account");
  await hydrated(page);
  await page.getByRole("button", { name: "退出", exact: true }).click();
  await expect(page.getByText("您已退出登录。")).toBeVisible();
  await hydrated(page);

  await page.getByLabel("邮箱").fill("admin@gatehouse.test");
  await page.getByLabel("密码").fill("gatehouse-demo-2026");
  await page.getByRole("button", { name: "登录" }).last().click();
  await expect(page.getByRole("heading", { name: "两步验证" })).toBeVisible();
  await hydrated(page);
  // The enrolment code was used already; the next time step's code is fresh.
  await page.getByLabel("验证码").fill(totp(secret, 1));
  await page.getByRole("button", { name: "验证" }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await page.goto("/account");
  await expect(page.getByText("已开启：登录时需要输入身份验证器验证码。")).toBeVisible();
});

test("what is typed before the page hydrates is kept @js-only", async ({ page }) => {
  // Hold the wasm back until the form is filled, so typing certainly precedes hydration.
  let release!: () => void;
  const typed = new Promise<void>((r) => (release = r));
  await page.route("**/pkg/*.wasm", async (route) => {
    await typed;
    await route.continue();
  });
  await page.goto("/login");
  await page.getByLabel("邮箱").fill("early@gatehouse.test");
  release();
  await hydrated(page);
  await expect(page.getByLabel("邮箱")).toHaveValue("early@gatehouse.test");
});

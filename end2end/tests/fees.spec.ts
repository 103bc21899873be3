import { test, expect, Page } from "@playwright/test";
import { hydrated, mailsTo } from "./helpers";

test.use({ locale: "zh-CN" });

async function login(page: Page, email: string, landing: RegExp, js: boolean) {
  await page.goto("/login");
  // Typing before hydration would be reset by it.
  if (js) await hydrated(page);
  await page.getByLabel("邮箱").fill(email);
  await page.getByLabel("密码").fill("gatehouse-demo-2026");
  await page.getByRole("button", { name: "登录" }).last().click();
  await expect(page).toHaveURL(landing);
}

async function logout(page: Page) {
  await page.getByRole("button", { name: "退出", exact: true }).click();
  await expect(page.getByText("您已退出登录。")).toBeVisible();
}

test("the fee editor previews the fee as rates are typed @js-only", async ({ page }) => {
  await login(page, "am@gatehouse.test", /\/dashboard$/, true);
  await page.goto("/fees/new");
  await hydrated(page);
  await page.getByLabel("微信支付 费率").fill("0.6");
  await page.getByLabel("微信支付 最低收费").fill("1.00");
  const preview = page.locator(".fee-preview");
  await preview.getByLabel("交易金额").fill("100");
  // 0.6 % of ¥100 is ¥0.60, below the ¥1.00 minimum.
  await expect(preview.locator("[data-preview=total]")).toHaveText("¥1.00");
  await preview.getByLabel("交易金额").fill("1000");
  await expect(preview.locator("[data-preview=total]")).toHaveText("¥6.00");
  await page.getByLabel("微信支付 最低收费").fill("x");
  await expect(preview.locator("[data-preview=error]")).toBeVisible();
});

test("an account manager prices an approved merchant and sends the contract; the merchant accepts it", async ({
  page,
}, testInfo) => {
  const js = testInfo.project.name === "js";
  const name = `E2E 费率 ${testInfo.project.name} ${Date.now()}`;
  await login(page, "am@gatehouse.test", /\/dashboard$/, js);
  await page.getByRole("link", { name: "费率模板" }).first().click();
  await page.getByRole("link", { name: "新建费率模板" }).click();
  if (js) await hydrated(page);
  await page.getByLabel("名称", { exact: true }).fill(name);
  await page.getByLabel("微信支付 费率").fill("0.38");
  await page.getByLabel("贷记卡 费率").fill("0.6");
  await page.getByLabel("贷记卡 最低收费").fill("60");
  await page.getByLabel("贷记卡 最高收费").fill("50");
  await page.getByRole("button", { name: "保存模板" }).click();
  // A field-level error, and what was typed is kept.
  await expect(page.getByText("最低收费不能高于最高收费。")).toBeVisible();
  await expect(page.getByLabel("微信支付 费率")).toHaveValue("0.38");
  await page.getByLabel("贷记卡 最低收费").fill("0.5");
  await page.getByRole("button", { name: "保存模板" }).click();
  await expect(page.getByText("已保存。")).toBeVisible();
  await expect(page).toHaveURL(/\/fees\/[0-9a-f-]{36}/);

  // Assign it to the approved demo merchant and send a contract.
  await page.goto("/fees/merchants");
  await page.getByRole("link", { name: "杭州西溪烘焙有限公司" }).click();
  if (js) await hydrated(page);
  await page.getByLabel("费率模板", { exact: true }).selectOption({ label: `${name} v1` });
  await page.getByRole("button", { name: "分配", exact: true }).click();
  await expect(page.locator('tr[data-status="active"]').first()).toContainText(name);
  await page.getByRole("button", { name: "按生效费率起草合同" }).click();
  const draft = page.locator('tr[data-state="draft"]').first();
  await expect(draft).toBeVisible();
  const number = (await draft.getAttribute("data-contract"))!;
  await draft.getByRole("button", { name: "发送给商户" }).click();
  await expect(page.locator(`tr[data-contract="${number}"]`)).toHaveAttribute("data-state", "sent");
  await logout(page);

  // The merchant is told, reads the contract and accepts it as its legal person.
  await expect.poll(() => mailsTo("finance@xixi-bakery.test").some((m) => m.body.includes(number))).toBe(true);
  await login(page, "finance@xixi-bakery.test", /\/portal$/, js);
  await page.getByRole("link", { name: "费率合同" }).first().click();
  if (js) await hydrated(page);
  await expect(page.locator(".contract")).toContainText(number);
  await expect(page.locator(".contract")).toContainText(name);
  const hint = (await page.locator("#accept .hint").textContent())!;
  const signatory = hint.split("：")[1].split(" / ")[0].trim();
  await page.getByRole("button", { name: "签署合同" }).click();
  await expect(page.getByText("请勾选以确认同意。")).toBeVisible();
  await page.getByLabel(`本人已阅读费率合同 ${number}`).check();
  await page.getByLabel("签署人姓名").fill(signatory);
  await page.getByRole("button", { name: "签署合同" }).click();
  await expect(page.locator("[data-accepted]")).toContainText(`已由 ${signatory} 签署`);
  await expect(page.locator(".contract-note")).toContainText("SHA-256:");
  await expect(page.locator("#accept")).toHaveCount(0);
});

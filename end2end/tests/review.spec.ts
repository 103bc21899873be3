import { test, expect, Page } from "@playwright/test";
import { hydrated } from "./helpers";

test.use({ locale: "zh-CN" });

async function login(page: Page, email: string, landing: RegExp) {
  await page.goto("/login");
  await page.getByLabel("邮箱").fill(email);
  await page.getByLabel("密码").fill("gatehouse-demo-2026");
  await page.getByRole("button", { name: "登录" }).last().click();
  await expect(page).toHaveURL(landing);
}

async function logout(page: Page) {
  await page.getByRole("button", { name: "退出", exact: true }).click();
  await expect(page.getByText("您已退出登录。")).toBeVisible();
}

async function passEveryStep(page: Page) {
  const steps = page.locator(".checklist .step");
  const n = await steps.count();
  expect(n).toBeGreaterThan(0);
  for (let i = 0; i < n; i++) {
    const step = page.locator(".checklist .step").nth(i);
    const code = await step.getAttribute("data-step");
    await step.getByLabel("通过", { exact: true }).check();
    await step.getByRole("button", { name: "保存" }).click();
    await expect(page.locator(`.step[data-step="${code}"]`)).toHaveAttribute("data-status", "pass");
  }
}

test("a reviewer asks for information, the merchant fixes it, the reviewer approves @js-only", async ({ page }) => {
  await login(page, "reviewer@gatehouse.test", /\/review$/);
  await page.getByRole("link", { name: "杭州西湖茶庄有限公司" }).click();
  await hydrated(page);
  await page.getByRole("button", { name: "认领" }).click();
  await expect(page.getByTestId("assignee")).toHaveText("Demo Reviewer 审核员");
  await expect(page.locator('.step[data-step="entity"] .suggestion')).toContainText("通过");

  // Ask for a clearer short name.
  await page.getByText("要求补充材料", { exact: true }).first().click();
  const form = page.locator("form", { has: page.locator('input[name="items[]"]') });
  await form.getByLabel("主体信息 · 商户简称").check();
  await form.getByLabel("原因").selectOption("mismatch");
  await form.getByLabel("给商户的说明").fill("商户简称请与门头招牌一致。");
  await form.getByRole("button", { name: "要求补充材料" }).click();
  await expect(page.locator("h1 [data-state]")).toHaveAttribute("data-state", "info_requested");
  await logout(page);

  // The merchant sees exactly that, changes it and resubmits.
  await login(page, "owner@west-lake-tea.test", /\/portal$/);
  await expect(page.locator(".ledger-list li")).toHaveCount(1);
  await expect(page.locator(".ledger-list li").first()).toContainText("商户简称请与门头招牌一致。");
  await page.locator(".ledger-list a").first().click();
  await hydrated(page);
  await expect(page.getByLabel("注册地址")).toHaveCount(0); // locked fields are shown as text
  await page.getByLabel("商户简称（展示给付款人）").fill("西湖茶庄");
  await page.getByRole("button", { name: "保存", exact: true }).click();
  await expect(page.getByText(/已于 .* 保存/)).toBeVisible();
  await page.goto("/portal");
  await hydrated(page);
  await page.getByRole("button", { name: "重新提交" }).click();
  await expect(page.getByText("申请已提交，我们会尽快审核。")).toBeVisible();
  await logout(page);

  // Back with the same reviewer, who sees the change and approves.
  await login(page, "reviewer@gatehouse.test", /\/review$/);
  await page.getByRole("link", { name: "杭州西湖茶庄有限公司" }).click();
  await hydrated(page);
  await expect(page.getByTestId("assignee")).toHaveText("Demo Reviewer 审核员");
  await page.getByRole("button", { name: "认领" }).click();
  await expect(page.getByTestId("changes")).toContainText("西湖茶庄");
  await passEveryStep(page);
  await page.getByRole("button", { name: "通过", exact: true }).click();
  await expect(page.locator("h1 [data-state]")).toHaveAttribute("data-state", "approved");
});

test("a high-risk case needs a second compliance lead @js-only", async ({ page }) => {
  await login(page, "lead@gatehouse.test", /\/review$/);
  await page.goto("/review?tier=high");
  await page.getByRole("link", { name: "金龙网络游戏有限公司" }).click();
  await hydrated(page);
  await expect(page.locator('[data-tier="high"]').first()).toBeVisible();
  await page.getByRole("button", { name: "认领" }).click();
  await expect(page.locator('.step[data-step="source_of_funds"]')).toBeVisible();
  await passEveryStep(page);
  await page.getByRole("button", { name: "通过", exact: true }).click();
  await expect(page.locator("h1 [data-state]")).toHaveAttribute("data-state", "pending_second_approval");
  await expect(page.getByText("提议通过的人不能进行第二次审批（四眼原则）。")).toBeVisible();
  await logout(page);

  await login(page, "lead2@gatehouse.test", /\/review$/);
  await page.getByRole("link", { name: "金龙网络游戏有限公司" }).click();
  await hydrated(page);
  await page.locator(".decisions").getByRole("button", { name: "批准" }).click();
  await expect(page.locator("h1 [data-state]")).toHaveAttribute("data-state", "approved");
});

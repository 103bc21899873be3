import { test, expect, Page } from "@playwright/test";
import { hydrated, PNG_1x1, syntheticResidentId, syntheticUscc } from "./helpers";

test.use({ locale: "zh-CN" });

async function login(page: Page, email: string) {
  await page.goto("/login");
  await page.getByLabel("邮箱").fill(email);
  await page.getByLabel("密码").fill("gatehouse-demo-2026");
  await page.getByRole("button", { name: "登录" }).last().click();
  await expect(page).toHaveURL(/\/portal$/);
}

async function section(page: Page, name: string) {
  await page.locator(".section-nav").getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(name);
  await hydrated(page);
}

async function save(page: Page) {
  await page.getByRole("button", { name: "保存", exact: true }).click();
  await expect(page.getByText(/已于 .* 保存/)).toBeVisible();
}

test("a merchant completes the application, uploads with progress and submits @js-only", async ({ page }) => {
  await login(page, "merchant@demo-merchant.test");
  await hydrated(page);
  await expect(page.getByTestId("ledger-count")).not.toHaveText("0");
  await page.getByRole("link", { name: "主体信息" }).first().click();
  await hydrated(page);

  // An invalid credit code is flagged as soon as the field is left, before any save.
  await page.getByLabel("统一社会信用代码").fill("91350100M000100Y44");
  await page.getByLabel("注册地址").focus();
  await expect(page.getByText("校验位不符，请对照营业执照核对代码。")).toBeVisible();

  await page.getByLabel("主体类型").selectOption("individual_business");
  await page.getByLabel("主体名称（与营业执照一致）").fill("杭州端到端小吃店");
  await page.getByLabel("商户简称（展示给付款人）").fill("端到端小吃");
  await page.getByLabel("统一社会信用代码").fill(syntheticUscc(Date.now()));
  await page.getByLabel("注册地址").fill("浙江省杭州市西湖区文三路 1 号");
  await page.getByLabel("营业期限开始日期").fill("2020-01-01");
  await page.getByLabel("营业期限长期有效").check();
  await page.getByLabel("注册资本（元）").fill("100,000");
  await page.getByLabel("经营范围").fill("小吃服务");
  await page.getByLabel("行业类别").selectOption("retail");
  await save(page);

  await section(page, "法定代表人");
  await page.getByLabel("法定代表人姓名").fill("李雷");
  await page.getByLabel("证件类型").selectOption("resident_id");
  await page.getByLabel("证件号码").fill(syntheticResidentId("19800506", 11));
  await page.getByLabel("证件有效期开始").fill("2015-01-01");
  await page.getByLabel("证件长期有效").check();
  await page.getByLabel("法定代表人手机号").fill("13800138000");
  await save(page);

  await section(page, "结算账户");
  await page.getByLabel("账户类型").selectOption("personal");
  await page.getByLabel("开户名称").fill("李雷");
  await page.getByLabel("开户银行", { exact: true }).fill("中国工商银行");
  await page.getByLabel("开户支行").fill("杭州文三路支行");
  await page.getByLabel("联行号").fill("102331000019");
  await page.getByLabel("银行账号").fill("6222021234567890128");
  await page.getByLabel("开户省份").fill("浙江省");
  await page.getByLabel("开户城市").fill("杭州市");
  await save(page);

  await section(page, "联系人");
  await page.getByLabel("联系人即法定代表人").check();
  await page.getByLabel("联系人姓名").fill("李雷");
  await page.getByLabel("联系人手机号").fill("13800138000");
  await page.getByLabel("联系人邮箱").fill("lilei@example.com");
  await page.getByLabel("联系人角色").selectOption("legal_person");
  await save(page);

  await section(page, "经营场景");
  await page.getByLabel("小程序 / 公众号", { exact: true }).check();
  await page.getByLabel("小程序 / 公众号名称").fill("端到端点餐");
  await page.getByLabel("预计月交易额（元）").fill("50000");
  await page.getByLabel("平均客单价（元）").fill("30");
  await page.getByLabel("客服电话").fill("0571-88888888");
  await save(page);

  await section(page, "合规自评");
  for (const radio of await page.getByRole("radio", { name: "否" }).all()) await radio.check();
  await page.getByLabel("我声明：所填信息和所交材料真实、准确、完整。").check();
  await page.getByLabel("我授权本机构核验所填信息，包括向第三方查询。").check();
  await save(page);

  // Documents: each upload shows its progress and then counts.
  await page.goto("/portal/documents");
  await hydrated(page);
  for (const kind of ["business_licence", "id_front", "id_back", "bank_proof"]) {
    const card = page.locator(`[data-kind="${kind}"]`);
    await card.locator('input[type="file"]').setInputFiles({ name: `${kind}.png`, mimeType: "image/png", buffer: PNG_1x1 });
    await expect(card.locator("progress")).toBeVisible();
    await expect(card.getByText("已上传")).toBeVisible();
    await expect(card.locator(".badge-ok")).toHaveText("1/1");
    await expect(card.locator("img.thumb")).toBeVisible();
  }
  // The wrong kind of file is refused with the reason.
  const licence = page.locator('[data-kind="business_licence"]');
  await licence.locator('input[type="file"]').setInputFiles({ name: "x.pdf", mimeType: "application/pdf", buffer: Buffer.from("MZ not a pdf") });
  await expect(licence.getByText("只接受 JPEG、PNG 或 PDF 文件")).toBeVisible();

  await page.goto("/portal");
  await hydrated(page);
  await expect(page.getByTestId("ledger-empty")).toBeVisible();
  await page.getByRole("button", { name: "提交申请" }).click();
  await expect(page.getByText("申请已提交，我们会尽快审核。")).toBeVisible();
  await expect(page.locator('[data-state="submitted"]').first()).toBeVisible();
});

test("without JavaScript a section can be edited and saved, and errors come back in place @nojs-only", async ({ page }) => {
  await login(page, "boss@qiantang-noodles.test");
  await page.goto("/portal/application/contact");
  await page.getByLabel("联系人手机号").fill("12345");
  await page.getByLabel("联系人姓名").fill("王小二");
  await page.getByRole("button", { name: "保存", exact: true }).click();
  await expect(page.getByText("请输入中国大陆手机号")).toBeVisible();
  // What was typed is still there.
  await expect(page.getByLabel("联系人姓名")).toHaveValue("王小二");
  await page.getByLabel("联系人手机号").fill("13912345678");
  await page.getByRole("button", { name: "保存", exact: true }).click();
  await expect(page.getByText("已保存")).toBeVisible();
  await expect(page.getByLabel("联系人姓名")).toHaveValue("王小二");
  await expect(page.getByLabel("联系人手机号")).toHaveValue("13912345678");
});

/**
 * certsrv's advanced request page, `certrqxt.asp` ("Submit a Certificate Request or Renewal
 * Request"), as `certeasy adcs check` reads it (adcs.md §3.1):
 *
 *   <Form Name=SubmittedData Action="certfnsh.asp" Method=Post> … the form Certeasy's submissions
 *     imitate; its Action shows where the site takes requests.
 *   <Select Name=lbCertTemplate ID=lbCertTemplateID> — on an Enterprise CA only — one
 *     <Option Value="O;<cn name>;…">Display Name</Option> per template this account may enroll
 *     for: the value's second field is the template's internal (cn) name, the one the
 *     `CertificateTemplate:` attribute must carry; the visible text is the display name. A
 *     Stand-alone CA has no templates and no list.
 *
 * Element names and the value layout survive translation; the visible text does not.
 */

export interface OfferedTemplate {
  /** the internal (cn) name, as `certificate-template` must give it */
  readonly name: string;
  /** what the page shows (localised, may differ from the cn name) */
  readonly displayName: string;
}

export interface RequestForm {
  /** the page holds a form that posts to certfnsh.asp */
  readonly postsToCertfnsh: boolean;
  /** undefined: the page lists no templates (a Stand-alone CA) */
  readonly templates: readonly OfferedTemplate[] | undefined;
}

const FORM_ACTIONS = /<Form\b[^>]*\bAction\s*=\s*["']?([^"'\s>]+)/gi;
const TEMPLATE_SELECT = /<Select\b[^>]*\bName\s*=\s*["']?lbCertTemplate\b[^>]*>([\s\S]*?)<\/Select>/i;
const OPTION = /<Option\b[^>]*\bValue\s*=\s*"([^"]*)"[^>]*>([^<]*)/gi;

export function readRequestForm(html: string): RequestForm {
  const actions = [...html.matchAll(FORM_ACTIONS)].map((match) => match[1] ?? "");
  const postsToCertfnsh = actions.some((action) => /(?:^|\/)certfnsh\.asp$/i.test(action));
  const select = TEMPLATE_SELECT.exec(html)?.[1];
  if (select === undefined) return { postsToCertfnsh, templates: undefined };
  const templates: OfferedTemplate[] = [];
  for (const [, value = "", text = ""] of select.matchAll(OPTION)) {
    const name = value.split(";")[1]?.trim();
    if (name !== undefined && name !== "") templates.push({ name, displayName: decodeText(text) || name });
  }
  return { postsToCertfnsh, templates };
}

const decodeText = (text: string): string => text.replace(/&nbsp;/g, " ").replace(/&amp;/g, "&").replace(/\s+/g, " ").trim();

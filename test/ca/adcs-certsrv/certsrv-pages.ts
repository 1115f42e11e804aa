/**
 * The pages of the fake certsrv, shaped like the real Web Enrollment templates (certfnsh.asp's
 * result pages, certnew.cer's error page, the home page, certcarc.asp): the same element ids
 * (`locPageTitle`, `locReqID`…), the `certnew.cer?ReqID=N&` download links both as `&amp;` in
 * an href and as `&` in the script, and the disposition and HRESULT lines. `de` renders the
 * human text in German, as a localised CA would, so parsers are tested on structure.
 */

export type Language = "en" | "de";

const frame = (title: string, body: string, script = ""): string => `<HTML>
<Head>
\t<Meta HTTP-Equiv="Content-Type" Content="text/html; charset=UTF-8">
\t<Title>Microsoft Active Directory Certificate Services</Title>
</Head>
<Body BgColor=#FFFFFF Link=#0000FF VLink=#0000FF ALink=#0000FF><Font ID=locPageFont Face="Arial">
<Table Border=0 CellSpacing=0 CellPadding=4 Width=100% BgColor=#008080>
<TR>
\t<TD><Font Color=#FFFFFF><LocID ID=locMSCertSrv><Font Face="Arial" Size=-1><B><I>Microsoft</I></B> Active Directory Certificate Services &nbsp;--&nbsp; Corp Issuing CA 1 &nbsp;</Font></LocID></Font></TD>
\t<TD ID=locHomeAlign Align=Right><A Href="/certsrv"><Font Color=#FFFFFF><LocID ID=locHomeLink><Font Face="Arial" Size=-1><B>Home</B></Font></LocID></Font></A></TD>
</TR>
</Table>
<P ID=locPageTitle> <B> ${title} </B>
<!-- Green HR --><Table Border=0 CellSpacing=0 CellPadding=0 Width=100%><TR><TD BgColor=#008080><Img Src="certspc.gif" Alt="" Height=2 Width=1></TD></TR></Table>
${body}
</Font>
<!-- ############################################################ -->
<!-- End of standard text. Scripts follow  -->
${script}
</Body>
</HTML>
`;

export function homePage(): string {
  return frame(
    "Welcome",
    `<P ID=locWelcome>Use this Web site to request a certificate for your Web browser, e-mail client, or other program.</P>
<P ID=locTaskHead><B>Select a task:</B>
<BR>&nbsp;&nbsp;&nbsp;&nbsp;<A Href="certrqus.asp"><LocID ID=locRequestCert>Request a certificate</LocID></A>
<BR>&nbsp;&nbsp;&nbsp;&nbsp;<A Href="certckpn.asp"><LocID ID=locCheckPending>View the status of a pending certificate request</LocID></A>
<BR>&nbsp;&nbsp;&nbsp;&nbsp;<A Href="certcarc.asp"><LocID ID=locDownloadCA>Download a CA certificate, certificate chain, or CRL</LocID></A>`,
  );
}

export function issuedPage(requestId: number, language: Language): string {
  const text = language === "de" ? ["Zertifikat wurde ausgestellt", "Das angeforderte Zertifikat wurde Ihnen ausgestellt.", "Zertifikat herunterladen", "Zertifikatkette herunterladen"] : ["Certificate Issued", "The certificate you requested was issued to you.", "Download certificate", "Download certificate chain"];
  return frame(
    text[0] ?? "",
    `<P ID=locCertIssued> ${text[1]} </P>
<Table Border=0 CellSpacing=0 CellPadding=0>
<TR><TD><Input Type=Radio Name=rbEncoding ID=rbDerEnc><Label For=rbDerEnc ID=locDerEnc>DER encoded</Label> or</TD>
    <TD><Input Type=Radio Name=rbEncoding ID=rbB64Enc Checked><Label For=rbB64Enc ID=locB64Enc>Base 64 encoded</Label></TD></TR>
<TR><TD><A Href="certnew.cer?ReqID=${requestId}&amp;Enc=bin"><Img Src="certcert.gif" Border=0 Alt="" Width=11 Height=14><LocID ID=locDownloadCert3>${text[2]}</LocID></A></TD></TR>
<TR><TD><A Href="certnew.p7b?ReqID=${requestId}&amp;Enc=bin"><Img Src="certcert.gif" Border=0 Alt="" Width=11 Height=14><LocID ID=locDownloadCertChain3>${text[3]}</LocID></A></TD></TR>
</Table>`,
    `<Script Language="JavaScript">
\tfunction handleGetCert() {
\t\tlocation="certnew.cer?ReqID=${requestId}&"+getEncoding();
\t}
\tfunction handleGetChain() {
\t\tlocation="certnew.p7b?ReqID=${requestId}&"+getEncoding();
\t}
\tfunction getEncoding() {
\t\tif (document.getElementById("rbB64Enc").checked) { return "Enc=b64"; } else { return "Enc=bin"; }
\t}
</Script>`,
  );
}

export function pendingPage(requestId: number, language: Language): string {
  const text =
    language === "de"
      ? ["Ausstehendes Zertifikat", "Die Zertifikatanforderung wurde empfangen. Sie müssen jedoch warten, bis ein Administrator das angeforderte Zertifikat ausstellt.", `Ihre Anforderungs-ID ist ${requestId}.`]
      : ["Certificate Pending", "Your certificate request has been received. However, you must wait for an administrator to issue the certificate you requested.", `Your Request Id is ${requestId}.`];
  return frame(
    text[0] ?? "",
    `<P ID=locInfoReqIDAndWait> ${text[1]} </P>
<P ID=locReqID>${text[2]}</P>
<P ID=locInstructions> Please return to this web site in a day or two to retrieve your certificate.</P>`,
  );
}

/** certfnsh.asp when the policy module refused: the disposition message carries the HRESULT. */
export function deniedPage(disposition: string, language: Language): string {
  const text = language === "de" ? ["Zertifikatanforderung verweigert", "Die Zertifikatanforderung wurde verweigert.", "Die Dispositionsmeldung lautet"] : ["Certificate Request Denied", "Your certificate request was denied.", "The disposition message is"];
  return frame(
    text[0] ?? "",
    `<P ID=locDenied> ${text[1]} </P>
<P ID=locContactAdmin>Contact your administrator for further information.</P>
<P ID=locDispositionMessage>${text[2]} "${disposition}".</P>`,
  );
}

/** The error page certfnsh.asp and certnew.cer show when ICertRequest fails or the certificate is not there. */
export function errorPage(message: string, disposition: string | undefined, lastStatus: string): string {
  return frame(
    "Error",
    `<P ID=locErrorOccurred> An unexpected error has occurred:
<P><Table Border=0 CellSpacing=0 CellPadding=4><TR><TD ID=locErrorMsg><Font Color=#FF0000>${message}</Font></TD></TR></Table>
<P><Table Border=0 CellSpacing=0 CellPadding=0>
${disposition === undefined ? "" : `<TR><TD ID=locDispositionLabel>Disposition message:</TD><TD>\t\t${disposition}</TD></TR>\n`}<TR><TD ID=locLastStatusLabel>LastStatus:</TD><TD>\t\t${lastStatus}</TD></TR>
</Table>
<!-- Error Number: ${/0x[0-9a-f]+/i.exec(lastStatus)?.[0] ?? "0x0"} -->`,
  );
}

export function caArchivePage(renewals: number): string {
  return frame(
    "Download a CA Certificate, Certificate Chain, or CRL",
    `<P ID=locInstallInfo>To trust certificates issued from this certification authority, install this CA certificate.</P>
<Select Name=lbCAVersion ID=lbCAVersion Size=2><Option Value="0" Selected>Current [Corp Issuing CA 1]</Option></Select>`,
    `<Script Language="JavaScript">
\tvar nRenewals=${renewals};
\tfunction getCert() { location="certnew.cer?ReqID=CACert&Renewal="+nRenewals+"&Enc=b64"; }
</Script>`,
  );
}

/** A template as certrqxt.asp lists it: internal (cn) name, display name, and whether the subject comes from the request. */
export interface ListedTemplate {
  readonly name: string;
  readonly displayName: string;
  /** "O" (offline: subject supplied in the request) or "E" (built from Active Directory) */
  readonly kind?: "O" | "E";
}

/**
 * certrqxt.asp, "Submit a Certificate Request or Renewal Request": the form that posts to
 * certfnsh.asp, and on an Enterprise CA the template list (`lbCertTemplate`) that
 * WriteTemplateList() fills with `<Option Value="<kind>;<cn name>;…">Display name</Option>`;
 * a Stand-alone CA (`templates` undefined) has no list.
 */
export function requestPage(templates: readonly ListedTemplate[] | undefined): string {
  const list =
    templates === undefined
      ? ""
      : `<TR><TD ID=locTemplateHead Align=Right><Font Size=-1><Label For=lbCertTemplateID><LocID ID=locTemplateLabel><B>Certificate Template:</B></LocID></Label></Font></TD>
\t<TD><Select Name=lbCertTemplate ID=lbCertTemplateID>
${templates.map((t, i) => `\t\t<Option Value="${t.kind ?? "O"};${t.name};${i + 1};0;1.3.6.1.4.1.311.21.8.7638725.${1000 + i};${t.displayName}"${i === 0 ? " Selected" : ""}>${t.displayName}</Option>`).join("\n")}
\t</Select></TD></TR>`;
  return frame(
    "Submit a Certificate Request or Renewal Request",
    `<Form Name=SubmittedData Action="certfnsh.asp" OnSubmit="return goNext();" Method=Post>
<Input Type=Hidden Name=Mode Value="newreq">
<Input Type=Hidden Name=TargetStoreFlags Value="0">
<Input Type=Hidden Name=SaveCert Value="yes">
<P ID=locInfo>To submit a saved request to the CA, paste a base-64-encoded CMC or PKCS #10 certificate request or PKCS #7 renewal request generated by an external source (such as a Web server) in the Saved Request box.</P>
<Table Border=0 CellSpacing=0 CellPadding=0>
<TR><TD ID=locSavedReqLabel Align=Right><Font Size=-1><B>Saved Request:</B></Font></TD>
\t<TD><TextArea Name=CertRequest ID=locTaRequest Wrap=Off Rows=10 Cols=60></TextArea></TD></TR>
${list}
<TR><TD ID=locAttribLabel Align=Right><Font Size=-1><B>Additional Attributes:</B></Font></TD>
\t<TD><TextArea Name=CertAttrib ID=locTaAttrib Wrap=Off Rows=2 Cols=30></TextArea></TD></TR>
<TR><TD></TD><TD ID=locSubmitAlign Align=Right><Input ID=locBtnSubmit Type=Submit Name=btnSubmit Value="Submit &gt;"></TD></TR>
</Table>
</Form>`,
  );
}

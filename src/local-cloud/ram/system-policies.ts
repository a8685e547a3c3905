/**
 * A few of Alibaba Cloud's system policies, so tests and demos can attach
 * the familiar names (`AdministratorAccess`, `AliyunKMSFullAccess`, …)
 * with PolicyType "System". Their documents grant what the names say for
 * the products the local cloud serves.
 */
export const SYSTEM_POLICIES: Readonly<Record<string, { description: string; document: string }>> =
  {
    AdministratorAccess: {
      description: "Full access to every resource of the account",
      document: allow(["*"]),
    },
    AliyunKMSFullAccess: {
      description: "Full access to Key Management Service",
      document: allow(["kms:*"]),
    },
    AliyunKMSSecretAdminAccess: {
      description: "Manage KMS secrets",
      document: allow([
        "kms:*Secret*",
        "kms:GetRandomPassword",
        "kms:TagResource",
        "kms:UntagResource",
      ]),
    },
    AliyunRAMFullAccess: {
      description: "Full access to Resource Access Management",
      document: allow(["ram:*"]),
    },
    AliyunRAMReadOnlyAccess: {
      description: "Read-only access to Resource Access Management",
      document: allow(["ram:Get*", "ram:List*"]),
    },
    AliyunSTSAssumeRoleAccess: {
      description: "Call STS AssumeRole",
      document: allow(["sts:AssumeRole"]),
    },
  };

function allow(actions: string[]): string {
  return JSON.stringify({
    Version: "1",
    Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }],
  });
}

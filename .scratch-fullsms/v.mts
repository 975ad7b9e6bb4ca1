import { recipientE164 } from "../src/app/fullsms/phone-input.ts";
for (const n of ["972541111111","972542222222","972543333333","972521234567","447700900123","+447911123456","447911123456"]) console.log(n, recipientE164(n, "GB"));

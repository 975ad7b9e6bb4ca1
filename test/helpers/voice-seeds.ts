/** The LOX24 seed's voice examples (POST /sms request bodies), as the documentation gives them. */
export const SEED_VOICE_TEXT = {
  text: "Hello, this message will be converted to speech and delivered as a voice call.",
  sender_id: "+491701234567",
  phone: "+14155552671",
  service_code: "text2speech",
  voice_lang: "EN",
};
export const SEED_VOICE_SSML = {
  text: '<speak>Your verification code is <say-as interpret-as="characters">A1B2C3</say-as>.<break time="1s"/>Please enter it now.</speak>',
  sender_id: "+491701234567",
  phone: "+14155552671",
  service_code: "text2speech",
  voice_lang: "EN",
};
export const SEED_VOICE_SINGLE = { ...SEED_VOICE_TEXT, attempts_count_max: 1 };

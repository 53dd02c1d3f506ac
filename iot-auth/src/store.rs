//! Platform side: the [`CredentialStore`] trait (async, pluggable storage), an in-memory
//! implementation, and [`Authenticator`], which runs the whole Alibaba MQTT CONNECT and HTTP
//! `/auth` decisions (look-up, policy, registration, activation) on top of a store.

use alloc::boxed::Box;
use alloc::string::String;
use std::collections::HashMap;
use std::sync::RwLock;

use async_trait::async_trait;
use rand_core::TryCryptoRng;

use crate::alibaba::http::{HttpAuthRequest, auth_error_body, auth_success_body};
use crate::alibaba::mqtt::{MqttAuthRequest, VerifyPolicy, parse_connect};
use crate::alibaba::register::{
    DeviceRegistrationState, RegisterKind, RegisteredDevice, RegistrationPolicy,
};
use crate::error::{AuthError, HttpAuthCode, StoreError};
use crate::ident::{ClientId, DeviceId, DeviceName, DeviceSecret, ProductKey, ProductSecret};
use crate::random;
use crate::time::UnixMillis;
use crate::token::TokenIssuer;

/// What a store knows about one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    /// The device secret, once known (pre-registered with a secret, or registered).
    pub secret: Option<DeviceSecret>,
    /// Client id and token of a pre-registration-free (`regnwl`) device.
    pub token: Option<(ClientId, String)>,
    /// Whether the device has connected with its credentials.
    pub activated: bool,
}

/// Pluggable storage of products and devices (the reference server adds SQLite).
#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// The product secret of a product with dynamic registration, if known.
    async fn product_secret(&self, product_key: &str) -> Result<Option<ProductSecret>, StoreError>;

    /// A device's record, if the device exists.
    async fn device(
        &self,
        product_key: &str,
        device_name: &str,
    ) -> Result<Option<DeviceRecord>, StoreError>;

    /// Creates or replaces a device's record.
    async fn put_device(
        &self,
        product_key: &str,
        device_name: &str,
        record: DeviceRecord,
    ) -> Result<(), StoreError>;
}

/// A [`CredentialStore`] in memory (tests, examples, small deployments).
#[derive(Debug, Default)]
pub struct InMemoryCredentialStore {
    products: RwLock<HashMap<String, ProductSecret>>,
    devices: RwLock<HashMap<(String, String), DeviceRecord>>,
}

impl InMemoryCredentialStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a product with its product secret (for dynamic registration).
    pub fn add_product(&self, product_key: &ProductKey, secret: ProductSecret) {
        if let Ok(mut p) = self.products.write() {
            p.insert(product_key.as_str().into(), secret);
        }
    }

    /// Adds (pre-registers) a device, with its secret or without (to register dynamically).
    pub fn add_device(
        &self,
        product_key: &ProductKey,
        device_name: &DeviceName,
        secret: Option<DeviceSecret>,
    ) {
        if let Ok(mut d) = self.devices.write() {
            d.insert(
                (product_key.as_str().into(), device_name.as_str().into()),
                DeviceRecord {
                    secret,
                    token: None,
                    activated: false,
                },
            );
        }
    }

    /// Number of devices.
    pub fn len(&self) -> usize {
        self.devices.read().map(|d| d.len()).unwrap_or(0)
    }

    /// Whether there are no devices.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn poisoned() -> StoreError {
    StoreError::Backend("lock poisoned".into())
}

#[async_trait]
impl CredentialStore for InMemoryCredentialStore {
    async fn product_secret(&self, product_key: &str) -> Result<Option<ProductSecret>, StoreError> {
        Ok(self
            .products
            .read()
            .map_err(|_| poisoned())?
            .get(product_key)
            .cloned())
    }

    async fn device(
        &self,
        product_key: &str,
        device_name: &str,
    ) -> Result<Option<DeviceRecord>, StoreError> {
        Ok(self
            .devices
            .read()
            .map_err(|_| poisoned())?
            .get(&(product_key.into(), device_name.into()))
            .cloned())
    }

    async fn put_device(
        &self,
        product_key: &str,
        device_name: &str,
        record: DeviceRecord,
    ) -> Result<(), StoreError> {
        self.devices
            .write()
            .map_err(|_| poisoned())?
            .insert((product_key.into(), device_name.into()), record);
        Ok(())
    }
}

/// What a successful MQTT CONNECT authentication leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MqttAuthOutcome {
    /// The device is authenticated: accept the session.
    Connected(DeviceId),
    /// A registration succeeded: accept, publish `payload` on `topic` (`/ext/register` or
    /// `/ext/regnwl`), then close the connection.
    Registered {
        /// The device.
        device: DeviceId,
        /// `/ext/register` or `/ext/regnwl`.
        topic: &'static str,
        /// The JSON payload (holds the new secret or token).
        payload: String,
    },
}

/// Runs Alibaba device authentication against a [`CredentialStore`].
#[derive(Debug)]
pub struct Authenticator<S> {
    store: S,
    policy: VerifyPolicy,
    registration: RegistrationPolicy,
}

fn store_err(_: StoreError) -> AuthError {
    AuthError::UnknownDevice
}

impl<S: CredentialStore> Authenticator<S> {
    /// Wraps a store with the default verification and registration policies.
    pub fn new(store: S) -> Self {
        Self {
            store,
            policy: VerifyPolicy::new(),
            registration: RegistrationPolicy::new(),
        }
    }

    /// The verification policy, to adjust.
    pub fn policy_mut(&mut self) -> &mut VerifyPolicy {
        &mut self.policy
    }

    /// The registration policy, to adjust.
    pub fn registration_mut(&mut self) -> &mut RegistrationPolicy {
        &mut self.registration
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Authenticates an MQTT CONNECT (client id, user name, password) at `now`. `rng` creates
    /// secrets and tokens for registrations. A store failure is reported as
    /// [`AuthError::UnknownDevice`] (the device cannot be vouched for).
    pub async fn authenticate_mqtt<R: TryCryptoRng + Send + ?Sized>(
        &self,
        client_id: &str,
        username: &str,
        password: &[u8],
        now: UnixMillis,
        rng: &mut R,
    ) -> Result<MqttAuthOutcome, AuthError> {
        let req = parse_connect(client_id, username, password)?;
        let pk = req.product_key();
        let dn = req.device_name();
        let id = DeviceId::new(ProductKey::new(pk)?, DeviceName::new(dn)?);
        match req {
            MqttAuthRequest::DeviceSecret(c) => {
                let mut rec = self
                    .store
                    .device(pk, dn)
                    .await
                    .map_err(store_err)?
                    .ok_or(AuthError::UnknownDevice)?;
                let secret = rec.secret.as_ref().ok_or(AuthError::UnknownDevice)?;
                c.verify(secret, &self.policy, now)?;
                self.activate(pk, dn, &mut rec).await?;
                Ok(MqttAuthOutcome::Connected(id))
            }
            MqttAuthRequest::Token(c) => {
                let mut rec = self
                    .store
                    .device(pk, dn)
                    .await
                    .map_err(store_err)?
                    .ok_or(AuthError::UnknownDevice)?;
                let (cid, token) = rec.token.as_ref().ok_or(AuthError::InvalidToken)?;
                if cid.as_str() != c.client.client_id() {
                    return Err(AuthError::InvalidToken);
                }
                c.verify(token, &self.policy)?;
                self.activate(pk, dn, &mut rec).await?;
                Ok(MqttAuthOutcome::Connected(id))
            }
            MqttAuthRequest::Register(c) => {
                let ps = self
                    .store
                    .product_secret(pk)
                    .await
                    .map_err(store_err)?
                    .ok_or(AuthError::Registration(
                        crate::error::RegistrationCode::ProductNotFound,
                    ))?;
                let method = c.client.sign_method()?;
                self.registration
                    .check_method(method)
                    .map_err(AuthError::Registration)?;
                c.verify(&ps, &self.policy)?;
                let existing = self.store.device(pk, dn).await.map_err(store_err)?;
                let state = match &existing {
                    None => DeviceRegistrationState::Unknown,
                    Some(r) if r.activated => DeviceRegistrationState::Activated,
                    Some(_) => DeviceRegistrationState::NotActivated,
                };
                let kind = if c.no_whitelist() {
                    RegisterKind::NoWhitelist
                } else {
                    RegisterKind::Secret
                };
                self.registration
                    .decide(kind, state)
                    .map_err(AuthError::Registration)?;
                let rng_err =
                    |_| AuthError::Registration(crate::error::RegistrationCode::ServerError);
                let registered = match kind {
                    RegisterKind::Secret => {
                        let secret = random::device_secret(rng).map_err(rng_err)?;
                        let out = RegisteredDevice {
                            product_key: pk.into(),
                            device_name: dn.into(),
                            device_secret: Some(secret.expose().into()),
                            client_id: None,
                            device_token: None,
                        };
                        self.store
                            .put_device(
                                pk,
                                dn,
                                DeviceRecord {
                                    secret: Some(secret),
                                    token: None,
                                    activated: false,
                                },
                            )
                            .await
                            .map_err(store_err)?;
                        out
                    }
                    RegisterKind::NoWhitelist => {
                        let token = random::device_token(rng).map_err(rng_err)?;
                        let cid = ClientId::from_device(&id.product_key, &id.device_name)?;
                        let out = RegisteredDevice {
                            product_key: pk.into(),
                            device_name: dn.into(),
                            device_secret: None,
                            client_id: Some(cid.as_str().into()),
                            device_token: Some(token.clone()),
                        };
                        self.store
                            .put_device(
                                pk,
                                dn,
                                DeviceRecord {
                                    secret: None,
                                    token: Some((cid, token)),
                                    activated: false,
                                },
                            )
                            .await
                            .map_err(store_err)?;
                        out
                    }
                };
                Ok(MqttAuthOutcome::Registered {
                    device: id,
                    topic: registered.mqtt_topic(),
                    payload: registered.to_mqtt_payload(),
                })
            }
        }
    }

    async fn activate(&self, pk: &str, dn: &str, rec: &mut DeviceRecord) -> Result<(), AuthError> {
        if !rec.activated {
            rec.activated = true;
            self.store
                .put_device(pk, dn, rec.clone())
                .await
                .map_err(store_err)?;
        }
        Ok(())
    }

    /// Handles an HTTP `/auth` body: verifies it and asks `issuer` for a token. Returns the
    /// result code and the response body to send.
    pub async fn authenticate_http<I: TokenIssuer + Sync + ?Sized>(
        &self,
        body: &[u8],
        issuer: &I,
        now: UnixMillis,
    ) -> (HttpAuthCode, String) {
        match self.http_inner(body, issuer, now).await {
            Ok(token) => (HttpAuthCode::Success, auth_success_body(&token)),
            Err(e) => {
                let code = HttpAuthCode::for_auth_error(&e);
                (code, auth_error_body(code, &alloc::format!("{e}")))
            }
        }
    }

    async fn http_inner<I: TokenIssuer + Sync + ?Sized>(
        &self,
        body: &[u8],
        issuer: &I,
        now: UnixMillis,
    ) -> Result<String, AuthError> {
        let req = HttpAuthRequest::parse(body)?;
        let rec = self
            .store
            .device(&req.product_key, &req.device_name)
            .await
            .map_err(store_err)?
            .ok_or(AuthError::UnknownDevice)?;
        let secret = rec.secret.as_ref().ok_or(AuthError::UnknownDevice)?;
        req.verify(secret, &self.policy, now)?;
        let id = DeviceId::new(
            ProductKey::new(req.product_key.as_str())?,
            DeviceName::new(req.device_name.as_str())?,
        );
        Ok(issuer.issue(&id, now)?.token)
    }
}

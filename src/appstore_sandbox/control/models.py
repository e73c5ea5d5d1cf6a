"""JSON bodies of the /_sandbox/v1 control surface (camelCase, like Apple's)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from pydantic.alias_generators import to_camel

from appstore_sandbox.catalog.products import AUTO_RENEWABLE
from appstore_sandbox.clock import SandboxTime
from appstore_sandbox.store import ApiKey, App, Product


class CamelModel(BaseModel):
    # A misspelled field is refused, not ignored: {"kind": "500", "opration": ...} must not
    # make a fault on every operation.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class CreateAppRequest(CamelModel):
    bundle_id: StrictStr
    app_apple_id: StrictInt | None = None


class AddKeyRequest(CamelModel):
    issuer_id: StrictStr
    public_key: StrictStr = Field(description="PEM of the EC P-256 public key (or the .p8 itself).")
    only_own_app: StrictBool = Field(
        False,
        description="Sign for this app only; by default a key signs for every app of its issuer "
        "(the token's bid picks the app), as Apple's team keys do.",
    )


class CreateKeyRequest(CamelModel):
    only_own_app: StrictBool = Field(
        False,
        description="Sign for this app only; by default a key the sandbox generates signs for "
        "every app of the sandbox (its team), as Apple's team keys do.",
    )
    write_key_file: StrictBool = Field(
        False,
        description="Also write the .p8 into the sandbox's data dir (keys/, beside the default "
        "key's), where deleting the key or the app, or a reset, removes it.",
    )


class PerformanceTestPassedRequest(CamelModel):
    passed: StrictBool


class ProductOut(CamelModel):
    product_id: str
    type: str
    subscription_group: str
    subscription_period: str | None

    @classmethod
    def of(cls, product: Product) -> ProductOut:
        auto_renewable = product.type == AUTO_RENEWABLE
        return cls(
            product_id=product.product_id,
            type=product.type,
            subscription_group=product.subscription_group,
            subscription_period=product.subscription_period if auto_renewable else None,
        )


class AppOut(CamelModel):
    bundle_id: str
    app_apple_id: int
    performance_test_passed: bool
    performance_test_passed_date: int | None
    products: list[ProductOut]

    @classmethod
    def of(cls, app: App, products: list[Product]) -> AppOut:
        return cls(
            bundle_id=app.bundle_id,
            app_apple_id=app.app_apple_id,
            performance_test_passed=app.performance_test_passed,
            performance_test_passed_date=app.performance_test_passed_ms,
            products=[ProductOut.of(product) for product in products],
        )


class AppList(CamelModel):
    apps: list[AppOut]


class KeyOut(CamelModel):
    key_id: str
    issuer_id: str
    bundle_id: str = Field(description="The app the key was made for.")
    created_date: int
    only_own_app: bool = Field(description="True: the key signs for its own app alone.")

    @classmethod
    def of(cls, key: ApiKey, bundle_id: str) -> KeyOut:
        return cls(
            key_id=key.key_id,
            issuer_id=key.issuer_id,
            bundle_id=bundle_id,
            created_date=key.created_ms,
            only_own_app=key.only_own_app,
        )


class NewKeyOut(KeyOut):
    private_key: str = Field(description="PKCS#8 PEM, the content of the .p8 file. Shown once.")
    private_key_file: str | None = Field(
        None,
        description="With writeKeyFile: the .p8 the sandbox wrote, a path on the sandbox's "
        "machine; else null.",
    )


class KeyList(CamelModel):
    keys: list[KeyOut]


class Health(CamelModel):
    status: str
    version: str


class ClockAdvance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(
        gt=0,
        allow_inf_nan=False,
        description="How far to move sandbox time forward; sandbox time stays before 2200.",
    )


class ClockSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    now: StrictInt = Field(
        description="The sandbox time to have now, UNIX milliseconds: from the real time up to "
        "2200 (the sandbox never runs behind real time).",
    )


class SandboxTimeOut(CamelModel):
    now: int = Field(description="Sandbox time, UNIX milliseconds.")
    real_now: int = Field(description="Real time, UNIX milliseconds.")
    offset_ms: int = Field(description="How far sandbox time is ahead of the real time.")

    @classmethod
    def from_domain(cls, time: SandboxTime) -> SandboxTimeOut:
        return cls(now=time.now_ms, real_now=time.real_ms, offset_ms=time.offset_ms)

"""The table definition, read from `infra/template.yaml` (the only place the key schema lives)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TEMPLATE = Path(__file__).resolve().parents[3] / "infra" / "template.yaml"
TABLE_RESOURCE = "Table"


def _cfn_loader() -> Any:
    """A YAML loader that accepts CloudFormation's short-form tags (!Ref, !Sub, ...)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {f"Fn::{suffix}" if suffix != "Ref" else "Ref": value}

    Loader.add_multi_constructor("!", tagged)
    return Loader


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    import yaml

    with path.open(encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.load(fh, Loader=_cfn_loader())  # noqa: S506 - SafeLoader subclass
    return doc


def create_table_request(table_name: str, path: Path = TEMPLATE) -> dict[str, Any]:
    """The `CreateTable` arguments equivalent to the template's table resource."""
    props = load_template(path)["Resources"][TABLE_RESOURCE]["Properties"]
    request: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if "GlobalSecondaryIndexes" in props:
        request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if "StreamSpecification" in props:
        request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    return request


def ttl_attribute(path: Path = TEMPLATE) -> str | None:
    props = load_template(path)["Resources"][TABLE_RESOURCE]["Properties"]
    spec = props.get("TimeToLiveSpecification")
    return spec["AttributeName"] if spec and spec.get("Enabled") else None


def ensure_table(client: DynamoDBClient, table_name: str, path: Path = TEMPLATE) -> bool:
    """Create the table as the template defines it unless it exists. Returns True when created."""
    try:
        client.describe_table(TableName=table_name)
        return False
    except client.exceptions.ResourceNotFoundException:
        pass
    client.create_table(**create_table_request(table_name, path))
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    ttl = ttl_attribute(path)
    if ttl:
        client.update_time_to_live(
            TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl}
        )
    return True

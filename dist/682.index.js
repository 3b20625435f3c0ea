export const id = 682;
export const ids = [682];
export const modules = {

/***/ 9682:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  MetricsClient: () => (/* reexport */ MetricsClient)
});

// UNUSED EXPORTS: Durations, KnownMonitorMetricsQueryAudience, KnownVersions

// EXTERNAL MODULE: ./node_modules/@azure/logger/dist/esm/index.js + 1 modules
var esm = __webpack_require__(7567);
;// CONCATENATED MODULE: ./node_modules/@azure/monitor-query-metrics/dist/esm/logger.js
// Copyright (c) Microsoft Corporation.
// Licensed under the MIT License.

const logger = (0,esm/* createClientLogger */.KV)("monitor-query-metrics");
//# sourceMappingURL=logger.js.map
// EXTERNAL MODULE: ./node_modules/@azure-rest/core-client/dist/esm/index.js + 11 modules
var dist_esm = __webpack_require__(3049);
;// CONCATENATED MODULE: ./node_modules/@azure/monitor-query-metrics/dist/esm/api/metricsContext.js
// Copyright (c) Microsoft Corporation.
// Licensed under the MIT License.


function createMetrics(endpointParam, credential, options = {}) {
    const endpointUrl = options.endpoint ?? String(endpointParam);
    const prefixFromOptions = options?.userAgentOptions?.userAgentPrefix;
    const userAgentInfo = `azsdk-js-monitor-query-metrics/1.0.0`;
    const userAgentPrefix = prefixFromOptions
        ? `${prefixFromOptions} ${userAgentInfo}`
        : `${userAgentInfo}`;
    const { apiVersion: _, ...updatedOptions } = {
        ...options,
        userAgentOptions: { userAgentPrefix },
        loggingOptions: { logger: options.loggingOptions?.logger ?? logger.info },
        credentials: {
            scopes: options.credentials?.scopes ?? ["https://metrics.monitor.azure.com/.default"],
        },
    };
    const clientContext = (0,dist_esm/* getClient */.KU)(endpointUrl, credential, updatedOptions);
    clientContext.pipeline.removePolicy({ name: "ApiVersionPolicy" });
    const apiVersion = options.apiVersion ?? "2024-02-01";
    clientContext.pipeline.addPolicy({
        name: "ClientApiVersionPolicy",
        sendRequest: (req, next) => {
            // Use the apiVersion defined in request url directly
            // Append one if there is no apiVersion and we have one at client options
            const url = new URL(req.url);
            if (!url.searchParams.get("api-version")) {
                // eslint-disable-next-line no-param-reassign
                req.url = `${req.url}${Array.from(url.searchParams.keys()).length > 0 ? "&" : "?"}api-version=${apiVersion}`;
            }
            return next(req);
        },
    });
    return { ...clientContext, apiVersion };
}
//# sourceMappingURL=metricsContext.js.map
;// CONCATENATED MODULE: ./node_modules/@azure/monitor-query-metrics/dist/esm/models/models.js
// Copyright (c) Microsoft Corporation.
// Licensed under the MIT License.
function resourceIdListSerializer(item) {
    return {
        resourceids: !item["resourceids"]
            ? item["resourceids"]
            : item["resourceids"].map((p) => {
                return p;
            }),
    };
}
function metricResultsResponseDeserializer(item) {
    return {
        values: !item["values"]
            ? item["values"]
            : metricResultsResponseValuesItemArrayDeserializer(item["values"]),
    };
}
function metricResultsResponseValuesItemArrayDeserializer(result) {
    return result.map((item) => {
        return metricResultsResponseValuesItemDeserializer(item);
    });
}
function metricResultsResponseValuesItemDeserializer(item) {
    return {
        startTime: item["starttime"],
        endTime: item["endtime"],
        interval: item["interval"],
        namespace: item["namespace"],
        resourceRegion: item["resourceregion"],
        resourceId: item["resourceid"],
        metrics: metricArrayDeserializer(item["value"]),
    };
}
function metricArrayDeserializer(result) {
    return result.map((item) => {
        return metricDeserializer(item);
    });
}
function metricDeserializer(item) {
    return {
        id: item["id"],
        type: item["type"],
        name: localizableStringDeserializer(item["name"]),
        description: item["displayDescription"],
        errorCode: item["errorCode"],
        errorMessage: item["errorMessage"],
        unit: item["unit"],
        timeseries: timeSeriesElementArrayDeserializer(item["timeseries"]),
    };
}
function localizableStringDeserializer(item) {
    const deserialized = {
        value: item["value"],
        localizedValue: item["localizedValue"],
    };
    return deserialized.localizedValue || deserialized.value;
}
function timeSeriesElementArrayDeserializer(result) {
    return result.map((item) => {
        return timeSeriesElementDeserializer(item);
    });
}
function timeSeriesElementDeserializer(item) {
    return {
        metadatavalues: !item["metadatavalues"]
            ? item["metadatavalues"]
            : metadataValueArrayDeserializer(item["metadatavalues"]),
        data: !item["data"] ? item["data"] : metricValueArrayDeserializer(item["data"]),
    };
}
function metadataValueArrayDeserializer(result) {
    return result.map((item) => {
        return metadataValueDeserializer(item);
    });
}
function metadataValueDeserializer(item) {
    return {
        name: !item["name"] ? item["name"] : localizableStringDeserializer(item["name"]),
        value: item["value"],
    };
}
function metricValueArrayDeserializer(result) {
    return result.map((item) => {
        return metricValueDeserializer(item);
    });
}
function metricValueDeserializer(item) {
    return {
        timeStamp: new Date(item["timeStamp"]),
        average: item["average"],
        minimum: item["minimum"],
        maximum: item["maximum"],
        total: item["total"],
        count: item["count"],
    };
}
function errorResponseDeserializer(item) {
    return {
        error: !item["error"] ? item["error"] : errorDetailDeserializer(item["error"]),
    };
}
function errorDetailDeserializer(item) {
    return {
        code: item["code"],
        message: item["message"],
        target: item["target"],
        details: !item["details"] ? item["details"] : errorDetailArrayDeserializer(item["details"]),
        additionalInfo: !item["additionalInfo"]
            ? item["additionalInfo"]
            : errorAdditionalInfoArrayDeserializer(item["additionalInfo"]),
    };
}
function errorDetailArrayDeserializer(result) {
    return result.map((item) => {
        return errorDetailDeserializer(item);
    });
}
function errorAdditionalInfoArrayDeserializer(result) {
    return result.map((item) => {
        return errorAdditionalInfoDeserializer(item);
    });
}
function errorAdditionalInfoDeserializer(item) {
    return {
        type: item["type"],
        info: item["info"],
    };
}
/** Service API versions */
var KnownVersions;
(function (KnownVersions) {
    /** The 2024-02-01 API version. */
    KnownVersions["V20240201"] = "2024-02-01";
})(KnownVersions || (KnownVersions = {}));
//# sourceMappingURL=models.js.map
;// CONCATENATED MODULE: ./node_modules/@azure/monitor-query-metrics/dist/esm/static-helpers/urlTemplate.js
// Copyright (c) Microsoft Corporation.
// Licensed under the MIT License.
// ---------------------
// helpers
// ---------------------
function encodeComponent(val, reserved, op) {
    return (reserved ?? op === "+") || op === "#"
        ? encodeReservedComponent(val)
        : encodeRFC3986URIComponent(val);
}
function encodeReservedComponent(str) {
    return str
        .split(/(%[0-9A-Fa-f]{2})/g)
        .map((part) => (!/%[0-9A-Fa-f]/.test(part) ? encodeURI(part) : part))
        .join("");
}
function encodeRFC3986URIComponent(str) {
    return encodeURIComponent(str).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
function isDefined(val) {
    return val !== undefined && val !== null;
}
function getNamedAndIfEmpty(op) {
    return [!!op && [";", "?", "&"].includes(op), !!op && ["?", "&"].includes(op) ? "=" : ""];
}
function getFirstOrSep(op, isFirst = false) {
    if (isFirst) {
        return !op || op === "+" ? "" : op;
    }
    else if (!op || op === "+" || op === "#") {
        return ",";
    }
    else if (op === "?") {
        return "&";
    }
    else {
        return op;
    }
}
function getExpandedValue(option) {
    let isFirst = option.isFirst;
    const { op, varName, varValue: value, reserved } = option;
    const vals = [];
    const [named, ifEmpty] = getNamedAndIfEmpty(op);
    if (Array.isArray(value)) {
        for (const val of value.filter(isDefined)) {
            // prepare the following parts: separator, varName, value
            vals.push(`${getFirstOrSep(op, isFirst)}`);
            if (named && varName) {
                vals.push(`${encodeURIComponent(varName)}`);
                if (val === "") {
                    vals.push(ifEmpty);
                }
                else {
                    vals.push("=");
                }
            }
            vals.push(encodeComponent(val, reserved, op));
            isFirst = false;
        }
    }
    else if (typeof value === "object") {
        for (const key of Object.keys(value)) {
            const val = value[key];
            if (!isDefined(val)) {
                continue;
            }
            // prepare the following parts: separator, key, value
            vals.push(`${getFirstOrSep(op, isFirst)}`);
            if (key) {
                vals.push(`${encodeURIComponent(key)}`);
                if (named && val === "") {
                    vals.push(ifEmpty);
                }
                else {
                    vals.push("=");
                }
            }
            vals.push(encodeComponent(val, reserved, op));
            isFirst = false;
        }
    }
    return vals.join("");
}
function getNonExpandedValue(option) {
    const { op, varName, varValue: value, isFirst, reserved } = option;
    const vals = [];
    const first = getFirstOrSep(op, isFirst);
    const [named, ifEmpty] = getNamedAndIfEmpty(op);
    if (named && varName) {
        vals.push(encodeComponent(varName, reserved, op));
        if (value === "") {
            if (!ifEmpty) {
                vals.push(ifEmpty);
            }
            return !vals.join("") ? undefined : `${first}${vals.join("")}`;
        }
        vals.push("=");
    }
    const items = [];
    if (Array.isArray(value)) {
        for (const val of value.filter(isDefined)) {
            items.push(encodeComponent(val, reserved, op));
        }
    }
    else if (typeof value === "object") {
        for (const key of Object.keys(value)) {
            if (!isDefined(value[key])) {
                continue;
            }
            items.push(encodeRFC3986URIComponent(key));
            items.push(encodeComponent(value[key], reserved, op));
        }
    }
    vals.push(items.join(","));
    return !vals.join(",") ? undefined : `${first}${vals.join("")}`;
}
function getVarValue(option) {
    const { op, varName, modifier, isFirst, reserved, varValue: value } = option;
    if (!isDefined(value)) {
        return undefined;
    }
    else if (["string", "number", "boolean"].includes(typeof value)) {
        let val = value.toString();
        const [named, ifEmpty] = getNamedAndIfEmpty(op);
        const vals = [getFirstOrSep(op, isFirst)];
        if (named && varName) {
            // No need to encode varName considering it is already encoded
            vals.push(varName);
            if (val === "") {
                vals.push(ifEmpty);
            }
            else {
                vals.push("=");
            }
        }
        if (modifier && modifier !== "*") {
            val = val.substring(0, parseInt(modifier, 10));
        }
        vals.push(encodeComponent(val, reserved, op));
        return vals.join("");
    }
    else if (modifier === "*") {
        return getExpandedValue(option);
    }
    else {
        return getNonExpandedValue(option);
    }
}
// ---------------------------------------------------------------------------------------------------
// This is an implementation of RFC 6570 URI Template: https://datatracker.ietf.org/doc/html/rfc6570.
// ---------------------------------------------------------------------------------------------------
function expandUrlTemplate(template, context, option) {
    return template.replace(/\{([^{}]+)\}|([^{}]+)/g, (_, expr, text) => {
        if (!expr) {
            return encodeReservedComponent(text);
        }
        let op;
        let expressionToParse = expr;
        if (["+", "#", ".", "/", ";", "?", "&"].includes(expressionToParse[0])) {
            op = expressionToParse[0];
            expressionToParse = expressionToParse.slice(1);
        }
        const varList = expressionToParse.split(/,/g);
        const result = [];
        for (const varSpec of varList) {
            const varMatch = /([^:*]*)(?::(\d+)|(\*))?/.exec(varSpec);
            if (!varMatch || !varMatch[1]) {
                continue;
            }
            const varValue = getVarValue({
                isFirst: result.length === 0,
                op,
                varValue: context[varMatch[1]],
                varName: varMatch[1],
                modifier: varMatch[2] || varMatch[3],
                reserved: option?.allowReserved,
            });
            if (varValue) {
                result.push(varValue);
            }
        }
        return result.join("");
    });
}
//# sourceMappingURL=urlTemplate.js.map
;// CONCATENATED MODULE: ./node_modules/@azure/monitor-query-metrics/dist/esm/api/operations.js
// Copyright (c) Microsoft Corporation.
// Licensed under the MIT License.



function _queryResourcesSend(context, subscriptionId, metricNamespace, metricNames, batchRequest, options = { requestOptions: {} }) {
    const path = expandUrlTemplate("/subscriptions/{subscriptionId}/metrics:getBatch{?api%2Dversion,starttime,endtime,interval,metricnamespace,metricnames,aggregation,top,orderby,filter,rollupby}", {
        subscriptionId: subscriptionId,
        "api%2Dversion": context.apiVersion,
        starttime: options?.startTime,
        endtime: options?.endTime,
        interval: options?.interval,
        metricnamespace: metricNamespace,
        metricnames: metricNames.map((p) => {
            return p;
        }),
        aggregation: options?.aggregation,
        top: options?.top,
        orderby: options?.orderBy,
        filter: options?.filter,
        rollupby: options?.rollUpBy,
    }, {
        allowReserved: options?.requestOptions?.skipUrlEncoding,
    });
    return context.path(path).post({
        ...(0,dist_esm/* operationOptionsToRequestParameters */.Iq)(options),
        contentType: "application/json",
        headers: {
            accept: "application/json",
            ...options.requestOptions?.headers,
        },
        body: resourceIdListSerializer(batchRequest),
    });
}
async function _queryResourcesDeserialize(result) {
    const expectedStatuses = ["200"];
    if (!expectedStatuses.includes(result.status)) {
        const error = (0,dist_esm/* createRestError */.t$)(result);
        error.details = errorResponseDeserializer(result.body);
        throw error;
    }
    return metricResultsResponseDeserializer(result.body);
}
/** Lists the metric values for multiple resources. */
async function queryResources(context, subscriptionId, metricNamespace, metricNames, batchRequest, options = { requestOptions: {} }) {
    const result = await _queryResourcesSend(context, subscriptionId, metricNamespace, metricNames, batchRequest, options);
    return _queryResourcesDeserialize(result);
}
//# sourceMappingURL=operations.js.map
;// CONCATENATED MODULE: ./node_modules/@azure/monitor-query-metrics/dist/esm/api/index.js
// Copyright (c) Microsoft Corporation.
// Licensed under the MIT License.


//# sourceMappingURL=index.js.map
;// CONCATENATED MODULE: ./node_modules/@azure/monitor-query-metrics/dist/esm/internalMetricsClient.js
// Copyright (c) Microsoft Corporation.
// Licensed under the MIT License.


class internalMetricsClient_MetricsClient {
    _client;
    /** The pipeline used by this client to make requests */
    pipeline;
    constructor(endpointParam, credential, options = {}) {
        const prefixFromOptions = options?.userAgentOptions?.userAgentPrefix;
        const userAgentPrefix = prefixFromOptions;
        this._client = createMetrics(endpointParam, credential, {
            ...options,
            userAgentOptions: { userAgentPrefix },
        });
        this.pipeline = this._client.pipeline;
    }
    /** Lists the metric values for multiple resources. */
    queryResources(subscriptionId, metricNamespace, metricNames, batchRequest, options = { requestOptions: {} }) {
        return queryResources(this._client, subscriptionId, metricNamespace, metricNames, batchRequest, options);
    }
}
//# sourceMappingURL=internalMetricsClient.js.map
;// CONCATENATED MODULE: ./node_modules/@azure/monitor-query-metrics/dist/esm/utils.js
// Copyright (c) Microsoft Corporation.
// Licensed under the MIT License.
const getSubscriptionFromResourceId = function (resourceId) {
    const startPos = resourceId.indexOf("subscriptions/") + 14;
    const subscriptionId = resourceId.substring(startPos, resourceId.indexOf("/", startPos));
    return subscriptionId;
};
/**
 * Helper function to convert Date objects to ISO string format
 */
function dateToISOString(date) {
    return date.toISOString();
}
/**
 * Helper function to convert MetricsQueryResourcesOptions to the internal format
 */
function mapToInternalQueryOptions(options = {}) {
    if (!options) {
        return {};
    }
    return {
        ...options,
        startTime: options.startTime ? dateToISOString(options.startTime) : undefined,
        endTime: options.endTime ? dateToISOString(options.endTime) : undefined,
    };
}
/**
 * Helper function to reconstruct QueryTimeInterval from start/end times
 */
function reconstructTimeInterval(startTime, endTime) {
    return {
        startTime: new Date(startTime),
        endTime: new Date(endTime),
    };
}
/**
 * Helper function to create MetricsQueryResult from MetricResultsResponseValuesItem
 */
function createMetricsQueryResult(item) {
    const timespan = reconstructTimeInterval(item.startTime, item.endTime);
    return {
        cost: undefined, // Not available in the new API
        granularity: item.interval,
        metrics: item.metrics,
        namespace: item.namespace,
        resourceId: item.resourceId,
        resourceRegion: item.resourceRegion,
        timespan,
        getMetricByName(metricName) {
            return this.metrics.find((metric) => metric.name === metricName);
        },
    };
}
//# sourceMappingURL=utils.js.map
;// CONCATENATED MODULE: ./node_modules/@azure/monitor-query-metrics/dist/esm/models.js
// Copyright (c) Microsoft Corporation.
// Licensed under the MIT License.
/**
 * Known values for Monitor Audience
 */
var KnownMonitorMetricsQueryAudience;
(function (KnownMonitorMetricsQueryAudience) {
    /**
     * Audience for Azure China
     */
    KnownMonitorMetricsQueryAudience["AzureChina"] = "https://management.chinacloudapi.cn";
    /**
     * Audience for Azure Government
     */
    KnownMonitorMetricsQueryAudience["AzureGovernment"] = "https://management.usgovcloudapi.net";
    /**
     * Audience for Azure Public
     */
    KnownMonitorMetricsQueryAudience["AzurePublicCloud"] = "https://management.azure.com";
})(KnownMonitorMetricsQueryAudience || (KnownMonitorMetricsQueryAudience = {}));
/**
 * Aliases for some common ISO8601 durations.
 */
const Durations = {
    /** Alias for ISO8601 value 'P7D' */
    sevenDays: "P7D",
    /** Alias for ISO8601 value 'P3D' */
    threeDays: "P3D",
    /** Alias for ISO8601 value 'P2D' */
    twoDays: "P2D",
    /** Alias for ISO8601 value 'P1D' */
    oneDay: "P1D",
    /** Alias for ISO8601 value 'PT1H' */
    oneHour: "PT1H",
    /** Alias for ISO8601 value 'PT4H' */
    fourHours: "PT4H",
    /** Alias for ISO8601 value 'PT24H' */
    twentyFourHours: "PT24H",
    /** Alias for ISO8601 value 'PT48H' */
    fortyEightHours: "PT48H",
    /** Alias for ISO8601 value 'PT30M' */
    thirtyMinutes: "PT30M",
    /** Alias for ISO8601 value 'PT5M' */
    fiveMinutes: "PT5M",
};
//# sourceMappingURL=models.js.map
;// CONCATENATED MODULE: ./node_modules/@azure/monitor-query-metrics/dist/esm/metricsClient.js
// Copyright (c) Microsoft Corporation.
// Licensed under the MIT License.



/**
 * Client for querying Azure Monitor metrics.
 */
class MetricsClient {
    _client;
    /** The pipeline used by this client to make requests */
    pipeline;
    /**
     * Create a new MetricsClient.
     * @param endpoint - The endpoint URL for the metrics service.
     * @param tokenCredential - The token credential to use for authentication.
     * @param options - Optional configuration options.
     */
    constructor(endpoint, tokenCredential, options = {}) {
        this._client = new internalMetricsClient_MetricsClient(endpoint, tokenCredential, {
            ...options,
            credentials: {
                scopes: options.credentials?.scopes ?? [
                    options.audience ?? KnownMonitorMetricsQueryAudience.AzurePublicCloud + "/.default",
                ],
            },
        });
        this.pipeline = this._client.pipeline;
    }
    /**
     * Query metrics for multiple Azure resources.
     * @param resourceIds - Array of resource IDs to query metrics for.
     * @param metricNames - Array of metric names to query.
     * @param metricNamespace - The namespace of the metrics.
     * @param options - Optional query parameters.
     * @returns Promise resolving to an array of metrics query results.
     */
    async queryResources(resourceIds, metricNames, metricNamespace, options = {}) {
        // Extract subscription ID from the first resource ID
        // Format: /subscriptions/{subscriptionId}/...
        const subscriptionId = getSubscriptionFromResourceId(resourceIds[0]);
        const internalOptions = mapToInternalQueryOptions(options);
        const response = await this._client.queryResources(subscriptionId, metricNamespace, metricNames, { resourceids: resourceIds }, internalOptions);
        // Convert the response to the expected format
        return (response.values || []).map(createMetricsQueryResult);
    }
}
//# sourceMappingURL=metricsClient.js.map
;// CONCATENATED MODULE: ./node_modules/@azure/monitor-query-metrics/dist/esm/models/index.js
// Copyright (c) Microsoft Corporation.
// Licensed under the MIT License.

//# sourceMappingURL=index.js.map
;// CONCATENATED MODULE: ./node_modules/@azure/monitor-query-metrics/dist/esm/index.js
// Copyright (c) Microsoft Corporation.
// Licensed under the MIT License.



//# sourceMappingURL=index.js.map

/***/ })

};
